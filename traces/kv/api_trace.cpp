#include "traces/kv/api_trace.h"

#include <cmath>
#include <limits>

#include "sim/errors.h"
#include "traces/file_reader.h"
#include "traces/kv/json_lines.h"

namespace tiersim::traces {

namespace {

constexpr const char* kOpNames[kApiOps] = {"load", "store", "query", "delete", "set_priority", "set_ttl", "evict_policy"};
constexpr const char* kExpected = "one API call object per line, {\"t\", \"op\", ...}";

ApiOp read_op(const nlohmann::json& call, const LineError& fail) {
  const auto op = call.find("op");
  if (op == call.end()) fail("missing \"op\" (one of load, store, query, delete, set_priority, set_ttl, evict_policy)");
  if (op->is_string()) {
    for (uint32_t i = 0; i < kApiOps; ++i)
      if (op->get<std::string>() == kOpNames[i]) return static_cast<ApiOp>(i);
  }
  fail("\"op\" is " + op->dump().substr(0, 80) + "; expected one of load, store, query, delete, set_priority, set_ttl, evict_policy");
}

double read_time(const nlohmann::json& call, double& last_s, const LineError& fail) {
  const auto t = call.find("t");
  if (t == call.end()) fail("missing \"t\" (seconds of simulated time)");
  if (!t->is_number() || !std::isfinite(t->get<double>()) || t->get<double>() < 0) {
    fail("\"t\" is " + t->dump().substr(0, 80) + "; expected seconds since the trace's start, 0 or more");
  }
  const double s = t->get<double>();
  if (s > 9.0e6) fail("\"t\" " + t->dump() + " is past the simulated clock's range (at most 9e6 s, about 104 days)");
  if (s < last_s) fail("\"t\" " + t->dump() + " is earlier than the line before's; calls must be in time order");
  last_s = s;
  return s;
}

void read_priority(const nlohmann::json& call, ApiCall& c, bool required, const LineError& fail) {
  const auto p = call.find("priority");
  if (p == call.end()) {
    if (required) fail("set_priority needs \"priority\" (an integer; the lowest is evicted first)");
    return;
  }
  if (!p->is_number_integer() || p->get<int64_t>() < std::numeric_limits<int32_t>::min() ||
      p->get<int64_t>() > std::numeric_limits<int32_t>::max() || (p->is_number_unsigned() && p->get<uint64_t>() > INT32_MAX)) {
    fail("\"priority\" is " + p->dump().substr(0, 80) + "; expected an integer from -2147483648 to 2147483647");
  }
  c.has_priority = true;
  c.priority = static_cast<int32_t>(p->get<int64_t>());
}

void read_ttl(const nlohmann::json& call, ApiCall& c, bool required, const LineError& fail) {
  const auto ttl = call.find("ttl_s");
  if (ttl == call.end()) {
    if (required) fail("set_ttl needs \"ttl_s\" (seconds to live, more than 0)");
    return;
  }
  if (!ttl->is_number() || !std::isfinite(ttl->get<double>()) || !(ttl->get<double>() > 0) || ttl->get<double>() > 9.0e6) {
    fail("\"ttl_s\" is " + ttl->dump().substr(0, 80) + "; expected seconds to live, more than 0 and at most 9e6");
  }
  c.has_ttl = true;
  c.ttl_s = ttl->get<double>();
}

void read_prefix(const nlohmann::json& call, KvRequest& r, KvTrace& trace, const LineError& fail) {
  const auto ids = call.find("hash_ids");
  if (ids == call.end()) fail("missing \"hash_ids\" (the prefix's block ids)");
  if (!ids->is_array() || ids->empty()) fail("\"hash_ids\" must be a non-empty array of block ids");
  if (ids->size() > UINT32_MAX / trace.block_tokens) fail("\"hash_ids\" has more blocks than a prompt's token count can hold");
  r.blocks = static_cast<uint32_t>(ids->size());
  r.first_block = trace.block_end();
  read_block_ids(*ids, "hash_ids", trace, fail);
  r.input_tokens = r.blocks * trace.block_tokens;
  const auto tokens = call.find("tokens");
  if (tokens == call.end()) return;
  const uint64_t lowest = uint64_t{r.blocks - 1} * trace.block_tokens + 1;
  if (!tokens->is_number_unsigned() || tokens->get<uint64_t>() < lowest || tokens->get<uint64_t>() > r.input_tokens) {
    fail("\"tokens\" is " + tokens->dump().substr(0, 80) + "; " + std::to_string(r.blocks) + " blocks of " +
         std::to_string(trace.block_tokens) + " tokens hold " + std::to_string(lowest) + " to " + std::to_string(r.input_tokens));
  }
  r.input_tokens = static_cast<uint32_t>(tokens->get<uint64_t>());
}

void read_policy_call(const nlohmann::json& call, ApiCall& c, ApiTrace& trace, const LineError& fail) {
  PolicyCall p;
  for (const char* field : {"tier", "policy"}) {
    const auto it = call.find(field);
    if (it == call.end() || !it->is_string() || it->get<std::string>().empty()) {
      fail(std::string("evict_policy needs \"") + field + "\" (a name), got " + (it == call.end() ? "none" : it->dump().substr(0, 80)));
    }
    (std::string(field) == "tier" ? p.tier : p.policy) = it->get<std::string>();
  }
  const auto parameters = call.find("parameters");
  if (parameters != call.end()) {
    if (!parameters->is_object()) fail("\"parameters\" is " + parameters->dump().substr(0, 80) + "; expected an object");
    p.parameters = *parameters;
  }
  c.policy_call = static_cast<uint32_t>(trace.policy_calls.size());
  trace.policy_calls.push_back(std::move(p));
}

void add_call(const nlohmann::json& call, ApiTrace& trace, double& last_s, uint64_t line, const LineError& fail) {
  if (!call.is_object()) fail(std::string("expected ") + kExpected);
  ApiCall c;
  c.line = line;
  c.op = read_op(call, fail);
  KvRequest r;
  r.arrival_us = static_cast<uint64_t>(std::llround(read_time(call, last_s, fail) * 1e6));
  r.first_block = trace.requests.block_end();
  if (c.op == ApiOp::kEvictPolicy) {
    read_policy_call(call, c, trace, fail);
  } else {
    read_prefix(call, r, trace.requests, fail);
    read_kv_names(call, r, trace.requests, line, fail);
  }
  read_priority(call, c, c.op == ApiOp::kSetPriority, fail);
  read_ttl(call, c, c.op == ApiOp::kSetTtl, fail);
  if ((c.has_priority && c.op != ApiOp::kStore && c.op != ApiOp::kSetPriority) ||
      (c.has_ttl && c.op != ApiOp::kStore && c.op != ApiOp::kSetTtl)) {
    fail(std::string("\"") + (c.has_priority ? "priority" : "ttl_s") + "\" does not apply to " + kOpNames[uint32_t(c.op)] +
         " (store, set_priority and set_ttl take it)");
  }
  trace.requests.requests.push_back(r);
  trace.calls.push_back(c);
}

}  // namespace

const char* api_op_name(ApiOp op) { return kOpNames[static_cast<uint32_t>(op)]; }

ApiTrace read_api_trace(const std::string& path, uint32_t block_tokens) {
  if (block_tokens == 0) throw InputError("block_tokens: expected 1 or more tokens per block");
  ApiTrace trace;
  trace.requests.source = path;
  trace.requests.block_tokens = block_tokens;
  double last_s = 0;
  for_each_json_line(path, kExpected, [&](const nlohmann::json& call, uint64_t line, const LineError& fail) {
    add_call(call, trace, last_s, line, fail);
  });
  if (trace.calls.empty()) throw InputError(path + ": no calls (expected JSON lines with t, op and hash_ids)");
  return trace;
}

bool looks_like_api_trace(const std::string& path) {
  bool api = false, decided = false;
  try {
    FileReader file(path);
    std::string head;
    std::vector<char> buffer(1 << 16);
    size_t n;
    while (!decided && (n = file.read(buffer.data(), buffer.size())) > 0) {
      head.append(buffer.data(), n);
      const size_t end = head.find('\n');
      if (end == std::string::npos && head.size() < (1u << 24)) continue;
      const nlohmann::json first = nlohmann::json::parse(head.substr(0, end), nullptr, false);
      api = first.is_object() && first.contains("op");
      decided = true;
    }
    if (!decided) {
      const nlohmann::json first = nlohmann::json::parse(head, nullptr, false);
      api = first.is_object() && first.contains("op");
    }
  } catch (const InputError&) {
    return false;  // the reader that follows names the problem
  }
  return api;
}

std::string mooncake_as_api_calls(const KvTrace& trace) {
  std::string out;
  char t[64];
  for (const KvRequest& r : trace.requests) {
    std::snprintf(t, sizeof t, "%.6f", static_cast<double>(r.arrival_us) / 1e6);
    nlohmann::json ids = nlohmann::json::array();
    for (uint32_t b = 0; b < r.blocks; ++b) ids.push_back(trace.blocks_of(r)[b]);
    std::string names;
    if (r.model) names += ", \"model\": " + nlohmann::json(trace.models.names[r.model]).dump();
    if (r.instance) names += ", \"instance\": " + nlohmann::json(trace.instances.names[r.instance]).dump();
    const std::string tail = ", \"hash_ids\": " + ids.dump() + ", \"tokens\": " + std::to_string(r.input_tokens) + names + "}\n";
    if (r.blocks == 0) continue;  // an empty prompt asks the store nothing
    for (const char* op : {"query", "load", "store"}) out += std::string("{\"t\": ") + t + ", \"op\": \"" + op + "\"" + tail;
  }
  return out;
}

}  // namespace tiersim::traces
