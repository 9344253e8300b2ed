#include "traces/kv/mooncake_trace.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

#include "sim/config/json_shape.h"
#include "sim/errors.h"
#include "traces/file_reader.h"

namespace tiersim::traces {

namespace {

class LineError {
 public:
  LineError(const std::string& path, uint64_t line) : where_(path + ":" + std::to_string(line) + ": ") {}
  [[noreturn]] void operator()(const std::string& what) const { throw InputError(where_ + what); }

 private:
  std::string where_;
};

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

// The optional "model", "instance" (strings) and "session" (a string or a whole number).
void read_names(const nlohmann::json& request, KvRequest& r, KvTrace& trace, uint64_t line, const LineError& fail) {
  for (const char* field : {"model", "instance"}) {
    const auto it = request.find(field);
    if (it == request.end()) continue;
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > 200) {
      fail(std::string("\"") + field + "\" is " + it->dump().substr(0, 80) + "; expected a name (a non-empty string of at most 200 characters)");
    }
    KvNames& names = std::string(field) == "model" ? trace.models : trace.instances;
    if (names.names.size() > 65536) fail("more than 65536 distinct model or instance names");
    (std::string(field) == "model" ? r.model : r.instance) = names.intern(it->get<std::string>(), line);
  }
  const auto session = request.find("session");
  if (session == request.end()) return;
  if (session->is_string()) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a: the same on every machine
    for (unsigned char c : session->get<std::string>()) h = (h ^ c) * 1099511628211ull;
    r.session = h | 1;
  } else if (session->is_number_unsigned()) {
    r.session = session->get<uint64_t>() | (uint64_t{1} << 63);
  } else {
    fail("\"session\" is " + session->dump().substr(0, 80) + "; expected a session id, a string or a whole number");
  }
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
  read_names(request, r, trace, line, fail);
  r.first_block = trace.block_ids.size();
  r.blocks = static_cast<uint32_t>(expected);
  for (size_t i = 0; i < ids->size(); ++i) {
    const nlohmann::json& id = (*ids)[i];
    if (!id.is_number_unsigned()) fail("\"hash_ids\"[" + std::to_string(i) + "] is " + id.dump() + "; expected a block id, a whole number 0 or more");
    trace.block_ids.push_back(id.get<uint64_t>());
  }
  trace.requests.push_back(r);
}

}  // namespace

KvTrace read_mooncake_trace(const std::string& path, uint32_t block_tokens) {
  if (block_tokens == 0) throw InputError("block_tokens: expected 1 or more tokens per block");
  KvTrace trace;
  trace.source = path;
  trace.block_tokens = block_tokens;
  FileReader file(path);
  std::string pending;
  std::vector<char> buffer(1 << 20);
  uint64_t line_number = 0;
  double last_ms = 0;
  auto parse_line = [&](std::string_view line) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    const LineError fail(path, line_number);
    require_json_shape(line, path, line_number);
    nlohmann::json request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) fail("not valid JSON: expected one request object per line");
    add_request(request, trace, last_ms, line_number, fail);
  };
  size_t n;
  while ((n = file.read(buffer.data(), buffer.size())) > 0) {
    pending.append(buffer.data(), n);
    size_t start = 0, end;
    while ((end = pending.find('\n', start)) != std::string::npos) {
      parse_line(std::string_view(pending).substr(start, end - start));
      start = end + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) parse_line(pending);
  if (trace.requests.empty()) throw InputError(path + ": no requests (expected JSON lines with timestamp, input_length, output_length, hash_ids)");
  return trace;
}

bool looks_like_kv_trace(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && std::string_view(path).substr(path.size() - suffix.size()) == suffix;
  };
  return ends_with(".jsonl") || ends_with(".jsonl.zst");
}

}  // namespace tiersim::traces
