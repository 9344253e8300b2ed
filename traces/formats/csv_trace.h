#pragma once
// Expert routing traces as CSV: the header `step,layer,expert`, then one row per access
// in access order. Blank lines and lines starting with '#' are skipped.
#include <memory>
#include <string>
#include <vector>

#include "traces/file_reader.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

namespace tiersim::traces {

class CsvTraceReader final : public TraceReader {
 public:
  explicit CsvTraceReader(const std::string& path);
  size_t read(Access* out, size_t capacity) override;
  std::string source() const override { return file_.path(); }

 private:
  bool next_line(const char*& begin, const char*& end);
  [[noreturn]] void fail_line(const char* begin, const char* end, const std::string& expected) const;

  FileReader file_;
  std::vector<char> buffer_;
  size_t position_ = 0;  // next unread byte in buffer_
  size_t filled_ = 0;    // bytes of buffer_ holding data
  bool end_of_file_ = false;
  uint64_t line_ = 0;
  uint64_t last_step_ = 0;
};

class CsvTraceWriter final : public TraceWriter {
 public:
  explicit CsvTraceWriter(const std::string& path);
  void write(const Access* accesses, size_t count) override;
  void finish() override;

 private:
  PendingFile file_;
  std::string pending_;
};

}  // namespace tiersim::traces
