#pragma once
// What an API trace (traces/kv/api_trace.h) asks of the store: its calls by op, and what
// an unbounded store would answer: the share of loaded blocks it would hold (a block loads
// when it and every block before it in the call are held; stores add, deletes and TTL
// expiries remove), and the working set (distinct blocks stored).
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "traces/kv/api_trace.h"

namespace tiersim::traces {

struct ApiTraceStats {
  uint64_t calls = 0;
  uint64_t op_calls[kApiOps] = {};
  double duration_s = 0;
  uint64_t load_blocks = 0, load_hit_blocks = 0;  // an unbounded store's
  uint64_t stored_blocks = 0, unique_blocks = 0, unique_tokens = 0;
  uint64_t deleted_blocks = 0, expired_blocks = 0;
  uint32_t models = 0, instances = 0;
  double load_hit_ratio() const { return load_blocks ? double(load_hit_blocks) / double(load_blocks) : 0; }
};

// Entries are global (every call sees every other's): the namespaces are the config's.
ApiTraceStats compute_api_trace_stats(const ApiTrace& trace);
std::string format_api_trace_stats(const ApiTraceStats& stats, const std::string& name, double kv_bytes_per_token);
void api_trace_stats_to_json(const ApiTraceStats& stats, double kv_bytes_per_token, nlohmann::ordered_json& out);

}  // namespace tiersim::traces
