#include "traces/kv/kv_trace_stats.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "sim/config/units.h"

namespace tiersim::traces {

KvTraceStats compute_kv_trace_stats(const KvTrace& trace) {
  KvTraceStats s;
  s.block_tokens = trace.block_tokens;
  s.requests = trace.requests.size();
  if (!trace.requests.empty()) s.duration_s = double(trace.requests.back().arrival_us - trace.requests.front().arrival_us) / 1e6;
  std::unordered_set<uint64_t> seen;
  seen.reserve(trace.block_ids.size());
  for (const KvRequest& r : trace.requests) {
    s.input_tokens += r.input_tokens;
    s.output_tokens += r.output_tokens;
    s.block_lookups += r.blocks;
    s.longest_prompt_blocks = std::max(s.longest_prompt_blocks, r.blocks);
    const uint64_t* ids = trace.blocks_of(r);
    bool in_prefix = true;
    for (uint32_t i = 0; i < r.blocks; ++i) {
      const uint32_t tokens = trace.tokens_in_block(r, i);
      if (seen.insert(ids[i]).second) {
        in_prefix = false;
        s.unique_tokens += tokens;
        continue;
      }
      ++s.seen_before_blocks;
      if (in_prefix) {
        ++s.prefix_hit_blocks;
        s.prefix_hit_tokens += tokens;
        if (i == 0) ++s.requests_with_cached_prefix;
      }
    }
  }
  s.unique_blocks = seen.size();
  return s;
}

namespace {

double ratio(uint64_t part, uint64_t whole) { return whole ? double(part) / double(whole) : 0; }

}  // namespace

std::string format_kv_trace_stats(const KvTraceStats& s, const std::string& name, double kv_bytes_per_token) {
  char text[2048];
  int n = std::snprintf(
      text, sizeof text,
      "%s: KV-cache trace, blocks of %u tokens\n"
      "  requests            %llu over %.1f s (%.2f per second)\n"
      "  prompt tokens       %llu (mean %.0f), output tokens %llu (mean %.0f)\n"
      "  block lookups       %llu (longest prompt %u blocks)\n"
      "  unique blocks       %llu (%llu tokens: the working set)\n"
      "  unbounded cache     prefix hit ratio %.4f by blocks, %.4f by tokens\n"
      "  prefix reuse        %.1f %% of requests start with a cached block; %.4f of blocks were seen before anywhere\n",
      name.c_str(), s.block_tokens, static_cast<unsigned long long>(s.requests), s.duration_s,
      s.duration_s > 0 ? double(s.requests) / s.duration_s : 0.0, static_cast<unsigned long long>(s.input_tokens),
      s.requests ? double(s.input_tokens) / double(s.requests) : 0.0, static_cast<unsigned long long>(s.output_tokens),
      s.requests ? double(s.output_tokens) / double(s.requests) : 0.0, static_cast<unsigned long long>(s.block_lookups),
      s.longest_prompt_blocks, static_cast<unsigned long long>(s.unique_blocks), static_cast<unsigned long long>(s.unique_tokens),
      s.hit_ratio_blocks(), s.hit_ratio_tokens(), 100.0 * ratio(s.requests_with_cached_prefix, s.requests),
      ratio(s.seen_before_blocks, s.block_lookups));
  std::string out(text, static_cast<size_t>(std::min<int>(n, sizeof text - 1)));
  if (kv_bytes_per_token > 0) {
    out += "  working set bytes   " + sim::units::format_bytes(static_cast<uint64_t>(double(s.unique_tokens) * kv_bytes_per_token)) +
           " at " + sim::units::format_bytes(static_cast<uint64_t>(kv_bytes_per_token)) + " of KV per token\n";
  }
  return out;
}

void kv_trace_stats_to_json(const KvTraceStats& s, double kv_bytes_per_token, nlohmann::ordered_json& out) {
  out["kind"] = "kv";
  out["block_tokens"] = s.block_tokens;
  out["requests"] = s.requests;
  out["duration_s"] = s.duration_s;
  out["input_tokens"] = s.input_tokens;
  out["output_tokens"] = s.output_tokens;
  out["block_lookups"] = s.block_lookups;
  out["unique_blocks"] = s.unique_blocks;
  out["unique_tokens"] = s.unique_tokens;
  out["longest_prompt_blocks"] = s.longest_prompt_blocks;
  out["unbounded_hit_ratio_blocks"] = s.hit_ratio_blocks();
  out["unbounded_hit_ratio_tokens"] = s.hit_ratio_tokens();
  out["requests_with_cached_prefix"] = s.requests_with_cached_prefix;
  out["seen_before_ratio_blocks"] = ratio(s.seen_before_blocks, s.block_lookups);
  if (kv_bytes_per_token > 0) {
    out["kv_bytes_per_token"] = kv_bytes_per_token;
    out["working_set_bytes"] = double(s.unique_tokens) * kv_bytes_per_token;
  }
}

}  // namespace tiersim::traces
