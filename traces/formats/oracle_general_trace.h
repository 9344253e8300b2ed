#pragma once
// libCacheSim's oracleGeneral binary traces: 24-byte little-endian records of
// uint32 time, uint64 object id, uint32 size, int64 next access (request index of the
// object's next access, -1 if none). Read as Access{step = time, object = id}.
#include <string>
#include <vector>

#include "traces/file_reader.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

namespace tiersim::traces {

inline constexpr size_t kOracleGeneralRecordBytes = 24;

class OracleGeneralReader final : public TraceReader {
 public:
  explicit OracleGeneralReader(const std::string& path);
  size_t read(Access* out, size_t capacity) override;
  std::string source() const override { return file_.path(); }
  bool has_sizes() const override { return true; }

 private:
  FileReader file_;
  std::vector<unsigned char> buffer_;
  uint64_t record_ = 0;
  uint64_t last_time_ = 0;
};

// Writes records with next_access -1 while streaming, then fills in next_access with a
// backward pass over the file (memory proportional to the number of objects).
class OracleGeneralWriter final : public TraceWriter {
 public:
  // `object_size_bytes` goes into every record's size field (expert traces have one size).
  OracleGeneralWriter(const std::string& path, uint32_t object_size_bytes);
  void write(const Access* accesses, size_t count) override;
  void finish() override;

 private:
  void fill_next_access();

  std::string path_;
  PendingFile file_;
  uint32_t object_size_bytes_;
  std::vector<unsigned char> pending_;
  uint64_t records_ = 0;
};

}  // namespace tiersim::traces
