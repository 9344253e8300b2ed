#include "traces/kv/mooncake_trace.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

#include "sim/errors.h"
#include "traces/kv/json_lines.h"
#include "traces/kv/kv_request_source.h"

namespace tiersim::traces {

namespace {

uint64_t whole_number(const nlohmann::json& request, const char* field, uint64_t limit, const LineError& fail) {
  const auto it = request.find(field);
  if (it == request.end()) fail(std::string("missing \"") + field + "\"");
  if (it->is_number_integer() && it->get<int64_t>() < 0) {
    fail(std::string("\"") + field + "\" is " + it->dump() + "; expected a count of tokens, 0 or more");
  }
  if (!it->is_number_unsigned() || it->get<uint64_t>() > limit) {
    fail(std::string("\"") + field + "\" is " + it->dump() + "; expected a whole number from 0 to " + std::to_string(limit));
  }
  return it->get<uint64_t>();
}

void add_request(const nlohmann::json& request, KvTrace& trace, double& last_ms, uint64_t line, const LineError& fail) {
  if (!request.is_object()) fail("expected a JSON object {\"timestamp\", \"input_length\", \"output_length\", \"hash_ids\"}");
  const auto ts = request.find("timestamp");
  if (ts == request.end()) fail("missing \"timestamp\"");
  if (!ts->is_number() || !std::isfinite(ts->get<double>()) || ts->get<double>() < 0) {
    fail("\"timestamp\" is " + ts->dump() + "; expected milliseconds since the trace's start, 0 or more");
  }
  const double ms = ts->get<double>();
  // Simulated time is int64 picoseconds (about 106 days): a later arrival cannot be timed.
  constexpr double kLatestMs = 9.0e9;
  if (ms > kLatestMs) fail("\"timestamp\" " + ts->dump() + " is past the simulated clock's range (at most 9e9 ms, about 104 days)");
  if (ms < last_ms) fail("\"timestamp\" " + ts->dump() + " is earlier than the line before's; requests must be in arrival order");
  last_ms = ms;
  KvRequest r;
  r.arrival_us = static_cast<uint64_t>(std::llround(ms * 1000.0));
  r.input_tokens = static_cast<uint32_t>(whole_number(request, "input_length", UINT32_MAX, fail));
  r.output_tokens = static_cast<uint32_t>(whole_number(request, "output_length", UINT32_MAX, fail));
  const auto ids = request.find("hash_ids");
  if (ids == request.end()) fail("missing \"hash_ids\"");
  if (!ids->is_array()) fail("\"hash_ids\" must be an array of block ids");
  const uint64_t expected = blocks_for_tokens(r.input_tokens, trace.block_tokens);
  if (ids->size() != expected) {
    fail("\"hash_ids\" has " + std::to_string(ids->size()) + " block ids, but input_length " + std::to_string(r.input_tokens) +
         " in blocks of " + std::to_string(trace.block_tokens) + " tokens makes " + std::to_string(expected) +
         (ids->size() > expected ? " (more blocks than the tokens allow)" : "") + "; is the block size right (--block-tokens)?");
  }
  read_kv_names(request, r, trace, line, fail);
  r.first_block = trace.block_end();
  r.blocks = static_cast<uint32_t>(expected);
  read_block_ids(*ids, "hash_ids", trace, fail);
  trace.requests.push_back(r);
}

}  // namespace

namespace {

class MooncakeSource final : public KvRequestSource {
 public:
  explicit MooncakeSource(const std::string& path) : reader_(path, "one request object per line") {}
  bool next(KvTrace& trace) override {
    nlohmann::json request;
    uint64_t line = 0;
    if (!reader_.next(request, line)) return false;
    add_request(request, trace, last_ms_, line, LineError(reader_.path(), line));
    return true;
  }

 private:
  JsonLineReader reader_;
  double last_ms_ = 0;
};

}  // namespace

std::unique_ptr<KvRequestSource> mooncake_source(const std::string& path) { return std::make_unique<MooncakeSource>(path); }

void require_requests(const KvTrace& trace) {
  if (trace.requests.empty()) {
    throw InputError(trace.source + ": no requests (expected JSON lines with timestamp, input_length, output_length, hash_ids)");
  }
}

KvTrace read_mooncake_trace(const std::string& path, uint32_t block_tokens) {
  if (block_tokens == 0) throw InputError("block_tokens: expected 1 or more tokens per block");
  KvTrace trace;
  trace.source = path;
  trace.block_tokens = block_tokens;
  drain(*mooncake_source(path), trace);
  require_requests(trace);
  return trace;
}

bool looks_like_kv_trace(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && std::string_view(path).substr(path.size() - suffix.size()) == suffix;
  };
  return ends_with(".jsonl") || ends_with(".jsonl.zst");
}

}  // namespace tiersim::traces
