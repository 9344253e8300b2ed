#pragma once
// tiersim's compact binary expert trace: a 16-byte header ("TSIMEXP1", version 1,
// reserved), then little-endian 64-bit words. A word with the top bit set starts a new
// step and carries its number (63 bits); any other word is one access,
// (layer << 32) | expert with layer below 2^31. So a trace costs 8 bytes per access plus
// 8 per step, and reads back with no parsing.
#include <string>
#include <vector>

#include "traces/file_reader.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

namespace tiersim::traces {

inline constexpr char kBinTraceMagic[8] = {'T', 'S', 'I', 'M', 'E', 'X', 'P', '1'};

class BinTraceReader final : public TraceReader {
 public:
  explicit BinTraceReader(const std::string& path);
  size_t read(Access* out, size_t capacity) override;
  std::string source() const override { return file_.path(); }

 private:
  FileReader file_;
  std::vector<uint64_t> words_;
  size_t position_ = 0, filled_ = 0;
  uint64_t word_index_ = 0;  // words consumed, for messages
  uint64_t step_ = 0;
  bool have_step_ = false;
};

class BinTraceWriter final : public TraceWriter {
 public:
  explicit BinTraceWriter(const std::string& path);
  void write(const Access* accesses, size_t count) override;
  void finish() override;

 private:
  PendingFile file_;
  std::vector<uint64_t> pending_;
  uint64_t step_ = 0;
  bool have_step_ = false;
};

}  // namespace tiersim::traces
