#include "traces/kv/kv_trace_stats.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "sim/config/units.h"

namespace tiersim::traces {

namespace {

// Blocks an unbounded prefix cache hits when each namespace (`ns_of` a request) keeps its own.
template <class NamespaceOf>
uint64_t prefix_hits_by_namespace(const KvTrace& trace, size_t namespaces, NamespaceOf ns_of) {
  std::vector<std::unordered_set<uint64_t>> seen(namespaces);
  uint64_t hits = 0;
  for (const KvRequest& r : trace.requests) {
    const uint64_t* ids = trace.blocks_of(r);
    std::unordered_set<uint64_t>& mine = seen[ns_of(r)];
    bool in_prefix = true;
    for (uint32_t i = 0; i < r.blocks; ++i) {
      const bool before = !mine.insert(ids[i]).second;
      in_prefix = in_prefix && before;
      hits += in_prefix ? 1 : 0;
    }
  }
  return hits;
}

}  // namespace

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
  s.models = static_cast<uint32_t>(trace.models.names.size() - 1);
  s.instances = static_cast<uint32_t>(trace.instances.names.size() - 1);
  if (s.models > 0) {
    s.prefix_hit_blocks_per_model = prefix_hits_by_namespace(trace, s.models + 1, [](const KvRequest& r) { return r.model; });
  }
  if (s.instances > 0) {
    s.prefix_hit_blocks_per_instance = prefix_hits_by_namespace(trace, s.instances + 1, [](const KvRequest& r) { return r.instance; });
  }
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
  for (const auto& [count, hits, what] : {std::tuple{s.models, s.prefix_hit_blocks_per_model, "model"},
                                           std::tuple{s.instances, s.prefix_hit_blocks_per_instance, "instance"}}) {
    if (count == 0) continue;
    char line[160];
    std::snprintf(line, sizeof line, "  a cache per %-8s prefix hit ratio %.4f by blocks (%u named)\n", what, s.ratio_of(hits), count);
    out += line;
  }
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
  if (s.models > 0) {
    out["models"] = s.models;
    out["unbounded_hit_ratio_blocks_per_model"] = s.ratio_of(s.prefix_hit_blocks_per_model);
  }
  if (s.instances > 0) {
    out["instances"] = s.instances;
    out["unbounded_hit_ratio_blocks_per_instance"] = s.ratio_of(s.prefix_hit_blocks_per_instance);
  }
  if (kv_bytes_per_token > 0) {
    out["kv_bytes_per_token"] = kv_bytes_per_token;
    out["working_set_bytes"] = double(s.unique_tokens) * kv_bytes_per_token;
  }
}

}  // namespace tiersim::traces
