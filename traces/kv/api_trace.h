#pragma once
// The KV-cache store's API as a trace: JSON lines, one call each,
//   {"t": 1.5, "op": "load", "hash_ids": [ids], "tokens": 1200, "model": ..., "instance": ...}
// `t` is seconds of simulated time (non-decreasing); `op` one of load, store, query,
// delete, set_priority, set_ttl, evict_policy. Every op but evict_policy names a prefix by
// its block ids (as Mooncake's hash_ids: block i of a prefix is named by id i), optionally
// with its `tokens` (the last block may be partial; default: whole blocks). store may carry
// "priority" (an integer) and "ttl_s" (seconds, > 0); set_priority needs "priority",
// set_ttl "ttl_s"; evict_policy names a "tier" and a "policy" (with optional "parameters").
// Calls are kept as KvRequests (arrival, blocks, names: namespaces apply as to requests)
// beside what each call adds.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "traces/kv/kv_trace.h"

namespace tiersim::traces {

enum class ApiOp : uint8_t { kLoad, kStore, kQuery, kDelete, kSetPriority, kSetTtl, kEvictPolicy };
inline constexpr uint32_t kApiOps = 7;
const char* api_op_name(ApiOp op);

struct ApiCall {
  ApiOp op = ApiOp::kLoad;
  bool has_priority = false, has_ttl = false;
  int32_t priority = 0;
  double ttl_s = 0;
  uint32_t policy_call = 0;  // evict_policy: index into ApiTrace::policy_calls
  uint64_t line = 0;
};

struct PolicyCall {
  std::string tier, policy;
  nlohmann::json parameters;  // an object (empty: the policy's defaults)
};

struct ApiTrace {
  KvTrace requests;  // one per call, in order (evict_policy: no blocks)
  std::vector<ApiCall> calls;
  std::vector<PolicyCall> policy_calls;
};

// Reads the whole trace; errors name file:line and what was expected (an unknown op, a
// priority or TTL of the wrong type, a missing field, time going backwards).
ApiTrace read_api_trace(const std::string& path, uint32_t block_tokens);

// Whether a JSON-lines file's first call has an "op" field (an API trace) rather than a
// Mooncake request.
bool looks_like_api_trace(const std::string& path);

// Mooncake's requests as the store sees them: each a query of its prompt, a load (of the
// cached prefix: loads stop at the first block held nowhere) and a store (of the blocks
// not yet held), at the request's arrival. Written as JSON lines.
std::string mooncake_as_api_calls(const KvTrace& trace);

}  // namespace tiersim::traces
