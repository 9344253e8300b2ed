#pragma once
// Expert routing traces as CSV: the header `step,layer,expert`, then one row per access
// in access order. Blank lines and lines starting with '#' are skipped. A routing trace for
// training adds columns: `step,layer,expert,tokens` (the tokens routed to the expert) and
// `step,layer,expert,tokens,candidates`, the candidates a space-separated list of
// expert:score pairs (router probabilities in [0, 1], distinct experts, the row's expert
// among them, at most 64), which cache-aware routing chooses from.
#include <map>
#include <memory>
#include <string>
#include <utility>
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
  bool gives_candidates() const override { return columns_ == 5; }
  bool take_candidates(uint64_t step, uint64_t object, std::vector<RouterCandidate>& out) override;

 private:
  bool next_line(const char*& begin, const char*& end);
  // The columns after step,layer,expert of one row; `p` is past the expert.
  void read_extra_columns(const char* begin, const char*& p, const char* end, Access& a);
  void read_candidates(const char* begin, const char* p, const char* end, const Access& a);
  [[noreturn]] void fail_line(const char* begin, const char* end, const std::string& expected) const;

  FileReader file_;
  std::vector<char> buffer_;
  size_t position_ = 0;  // next unread byte in buffer_
  size_t filled_ = 0;    // bytes of buffer_ holding data
  bool end_of_file_ = false;
  uint64_t line_ = 0;
  uint64_t last_step_ = 0;
  uint32_t columns_ = 3;  // 3, 4 (tokens) or 5 (tokens, candidates)
  // Candidates read but not yet taken, by (step, object): the replay reads a little ahead.
  std::map<std::pair<uint64_t, uint64_t>, std::vector<RouterCandidate>> candidates_;
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
