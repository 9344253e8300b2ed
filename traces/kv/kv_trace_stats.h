#pragma once
// What a KV-cache trace offers a prefix cache: its size, the hit ratio an unbounded cache
// would reach (the longest already-seen prefix of each request, by blocks and by tokens),
// how much of it is shared prefix, and the working set.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "traces/kv/kv_trace.h"

namespace tiersim::traces {

struct KvTraceStats {
  uint32_t block_tokens = 0;
  uint64_t requests = 0;
  double duration_s = 0;  // last arrival - first arrival
  uint64_t input_tokens = 0, output_tokens = 0;
  uint64_t block_lookups = 0;  // blocks of all prompts
  uint64_t unique_blocks = 0;
  uint64_t unique_tokens = 0;  // the tokens of the distinct blocks: the working set
  // An unbounded prefix cache: a block hits when it and every block before it in its
  // request were seen before.
  uint64_t prefix_hit_blocks = 0, prefix_hit_tokens = 0;
  // Blocks seen before wherever they sit (what a cache that did not need prefixes would get).
  uint64_t seen_before_blocks = 0;
  uint64_t requests_with_cached_prefix = 0;
  uint32_t longest_prompt_blocks = 0;
  // Where requests name their model or instance: how many, and the unbounded prefix hits
  // if each kept its own cache (a namespace per model, or per instance).
  uint32_t models = 0, instances = 0;
  uint64_t prefix_hit_blocks_per_model = 0, prefix_hit_blocks_per_instance = 0;

  double hit_ratio_blocks() const { return block_lookups ? double(prefix_hit_blocks) / double(block_lookups) : 0; }
  double hit_ratio_tokens() const { return input_tokens ? double(prefix_hit_tokens) / double(input_tokens) : 0; }
  double ratio_of(uint64_t blocks) const { return block_lookups ? double(blocks) / double(block_lookups) : 0; }
};

KvTraceStats compute_kv_trace_stats(const KvTrace& trace);

// `kv_bytes_per_token` (0: unknown) adds the working set in bytes.
std::string format_kv_trace_stats(const KvTraceStats& stats, const std::string& name, double kv_bytes_per_token);
void kv_trace_stats_to_json(const KvTraceStats& stats, double kv_bytes_per_token, nlohmann::ordered_json& out);

}  // namespace tiersim::traces
