#include "traces/formats/csv_trace.h"

#include "traces/trace_format.h"

#include <charconv>
#include <cstring>

#include "sim/errors.h"

namespace tiersim::traces {

namespace {
constexpr size_t kChunkBytes = 1 << 20;
constexpr std::string_view kHeader = "step,layer,expert";

// Parses a decimal unsigned integer in [begin, end) up to `max`; false if malformed.
bool parse_field(const char*& p, const char* end, uint64_t max, uint64_t& value) {
  const char* start = p;
  uint64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    const uint64_t digit = static_cast<uint64_t>(*p - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
    ++p;
  }
  value = v;
  return p != start;
}
}  // namespace

CsvTraceReader::CsvTraceReader(const std::string& path) : file_(path), buffer_(kChunkBytes) {
  const char* begin;
  const char* end;
  while (next_line(begin, end)) {
    std::string_view line(begin, static_cast<size_t>(end - begin));
    if (line.empty() || line[0] == '#') continue;
    // Allow spaces around names: "step, layer, expert".
    std::string compact;
    for (char c : line)
      if (c != ' ' && c != '\t') compact += c;
    if (compact == kHeader) return;
    if (compact == "step,layer,expert,tokens") {
      columns_ = 4;
      return;
    }
    if (compact == "step,layer,expert,tokens,candidates") {
      columns_ = 5;
      return;
    }
    fail_line(begin, end, "the header step,layer,expert (or step,layer,expert,tokens[,candidates])");
  }
  throw InputError(path + ": empty trace file (expected the header step,layer,expert)");
}

bool CsvTraceReader::next_line(const char*& begin, const char*& end) {
  for (;;) {
    const char* data = buffer_.data();
    const void* newline = std::memchr(data + position_, '\n', filled_ - position_);
    if (newline || (end_of_file_ && position_ < filled_)) {
      begin = data + position_;
      end = newline ? static_cast<const char*>(newline) : data + filled_;
      position_ = static_cast<size_t>(end - data) + (newline ? 1 : 0);
      if (end > begin && end[-1] == '\r') --end;
      ++line_;
      return true;
    }
    if (end_of_file_) return false;
    // Move the partial line to the front and read more.
    const size_t remaining = filled_ - position_;
    std::memmove(buffer_.data(), data + position_, remaining);
    position_ = 0;
    filled_ = remaining;
    if (filled_ == buffer_.size()) {
      throw InputError(file_.path() + ":" + std::to_string(line_ + 1) + ": line longer than " +
                       std::to_string(buffer_.size()) + " bytes");
    }
    const size_t n = file_.read(buffer_.data() + filled_, buffer_.size() - filled_);
    if (n == 0) end_of_file_ = true;
    filled_ += n;
  }
}

void CsvTraceReader::fail_line(const char* begin, const char* end, const std::string& expected) const {
  std::string shown(begin, static_cast<size_t>(std::min<ptrdiff_t>(end - begin, 80)));
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
  throw InputError(file_.path() + ":" + std::to_string(line_) + ": expected " + expected + ", got \"" + shown + "\"");
}

size_t CsvTraceReader::read(Access* out, size_t capacity) {
  size_t count = 0;
  const char* begin;
  const char* end;
  while (count < capacity && next_line(begin, end)) {
    if (begin == end || *begin == '#') continue;
    const char* p = begin;
    uint64_t step, layer, expert;
    const bool ok = parse_field(p, end, UINT64_MAX, step) && p < end && *p++ == ',' &&
                    parse_field(p, end, UINT32_MAX, layer) && p < end && *p++ == ',' &&
                    parse_field(p, end, UINT32_MAX, expert) && (columns_ > 3 || p == end);
    if (!ok) fail_line(begin, end, "step,layer,expert as non-negative integers (layer and expert below 2^32)");
    if (require_ordered_steps_ && step < last_step_) {
      fail_line(begin, end, "steps in non-decreasing order (the previous step was " + std::to_string(last_step_) + ")");
    }
    last_step_ = step;
    Access& a = out[count];
    a.step = step;
    a.object = Access::object_of(static_cast<uint32_t>(layer), static_cast<uint32_t>(expert));
    a.size_bytes = 0;
    a.tokens = 0;
    a.next_access = -1;
    if (columns_ > 3) read_extra_columns(begin, p, end, a);
    ++count;
  }
  return count;
}

void CsvTraceReader::read_extra_columns(const char* begin, const char*& p, const char* end, Access& a) {
  uint64_t tokens;
  if (!(p < end && *p++ == ',' && parse_field(p, end, UINT32_MAX, tokens) && tokens > 0 && (columns_ == 5 || p == end))) {
    fail_line(begin, end, "a tokens column: a whole number from 1 to 2^32 - 1");
  }
  a.tokens = static_cast<uint32_t>(tokens);
  if (columns_ == 5) {
    if (!(p < end && *p++ == ',')) fail_line(begin, end, "a candidates column after tokens");
    read_candidates(begin, p, end, a);
  }
}

void CsvTraceReader::read_candidates(const char* begin, const char* p, const char* end, const Access& a) {
  std::vector<RouterCandidate> list;
  bool own = false;
  while (p < end) {
    while (p < end && *p == ' ') ++p;
    if (p == end) break;
    uint64_t expert;
    double score = -1;
    if (!parse_field(p, end, UINT32_MAX, expert) || p == end || *p++ != ':') {
      fail_line(begin, end, "candidates as space-separated expert:score pairs");
    }
    const auto [next, error] = std::from_chars(p, end, score);
    if (error != std::errc() || !(score >= 0 && score <= 1)) fail_line(begin, end, "a candidate's score, a number from 0 to 1");
    p = next;
    for (const RouterCandidate& c : list)
      if (c.expert == expert) fail_line(begin, end, "distinct candidate experts (" + std::to_string(expert) + " twice)");
    if (list.size() == 64) fail_line(begin, end, "at most 64 candidates");
    own = own || expert == a.expert();
    list.push_back({static_cast<uint32_t>(expert), score});
  }
  if (!own) fail_line(begin, end, "the row's expert (" + std::to_string(a.expert()) + ") among its candidates");
  // Nothing reads further behind than this (a prefetcher's lookahead and a batch of
  // accesses): what no one took by then never will be, and memory stays bounded.
  constexpr uint64_t kKeptSteps = 8192;
  while (!candidates_.empty() && candidates_.begin()->first.first + kKeptSteps < a.step) candidates_.erase(candidates_.begin());
  candidates_[{a.step, a.object}] = std::move(list);
}

bool CsvTraceReader::take_candidates(uint64_t step, uint64_t object, std::vector<RouterCandidate>& out) {
  const auto it = candidates_.find({step, object});
  if (it == candidates_.end()) return false;
  out = std::move(it->second);
  candidates_.erase(it);
  return true;
}

CsvTraceWriter::CsvTraceWriter(const std::string& path) : file_(path) {
  pending_.reserve(kChunkBytes + 64);
  pending_.append(kHeader);
  pending_ += '\n';
}

void CsvTraceWriter::write(const Access* accesses, size_t count) {
  // Each field gets its own slot, so a separator always has room after it.
  char step[24], layer[12], expert[12];
  for (size_t i = 0; i < count; ++i) {
    const char* step_end = std::to_chars(step, step + sizeof step, accesses[i].step).ptr;
    const char* layer_end = std::to_chars(layer, layer + sizeof layer, accesses[i].layer()).ptr;
    const char* expert_end = std::to_chars(expert, expert + sizeof expert, accesses[i].expert()).ptr;
    pending_.append(step, static_cast<size_t>(step_end - step));
    pending_ += ',';
    pending_.append(layer, static_cast<size_t>(layer_end - layer));
    pending_ += ',';
    pending_.append(expert, static_cast<size_t>(expert_end - expert));
    pending_ += '\n';
    if (pending_.size() >= kChunkBytes) {
      file_.write(pending_.data(), pending_.size());
      pending_.clear();
    }
  }
}

void CsvTraceWriter::finish() {
  file_.write(pending_.data(), pending_.size());
  pending_.clear();
  file_.commit();
}

TIERSIM_REGISTER_TRACE_FORMAT(
    csv, "csv", "header step,layer,expert[,tokens[,candidates]]; one row per access", {},
    [](const std::string& path) -> std::unique_ptr<TraceReader> { return std::make_unique<CsvTraceReader>(path); },
    [](const std::string& path, uint32_t) -> std::unique_ptr<TraceWriter> { return std::make_unique<CsvTraceWriter>(path); },
    [](const std::string& path, std::string_view head) {
      // The header (possibly after comment lines, which the extension rule still catches).
      if (head.rfind("step,layer,expert", 0) == 0) return Recognition::kByContent;
      return path_ends_with(path, ".csv") ? Recognition::kByName : Recognition::kNo;
    });

}  // namespace tiersim::traces
