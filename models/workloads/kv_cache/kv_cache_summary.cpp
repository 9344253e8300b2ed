// The few lines `tiersim run` prints after a KV-cache run.
#include <cstdio>

#include "models/tiers/topology.h"
#include "models/workloads/kv_cache/kv_cache_workload.h"
#include "sim/config/units.h"

namespace tiersim::models {

namespace {

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", 100.0 * fraction);
  return text;
}

std::string bytes_text(double bytes) { return sim::units::format_bytes(static_cast<uint64_t>(bytes)); }

}  // namespace

void print_kv_cache_summary(const std::string& name, const TopologySpec& topology, const Metrics& m, double wall_seconds,
                            uint64_t events, const std::string& out_dir) {
  auto number = [&](const std::string& key) { return m.number(key); };
  std::printf("tiersim run: %s (kv_cache, chunks of %.0f tokens, %s per token)\n", name.c_str(), number("chunk_tokens"),
              bytes_text(number("kv_bytes_per_token")).c_str());
  const double lookups = number("block_lookups");
  std::printf("  %.0f requests, %.0f block lookups: %.6g s simulated in %.3f s wall (%.3g lookups/s, %llu events)\n",
              number("requests"), lookups, number("sim_time_s"), wall_seconds, wall_seconds > 0 ? lookups / wall_seconds : 0.0,
              static_cast<unsigned long long>(events));
  std::printf("  hit ratio %.4f by blocks, %.4f by tokens; prefill tokens saved %s (%.0f cached chunks recomputed, "
              "load_policy %s)\n",
              number("hit_ratio_blocks"), number("hit_ratio_tokens"), percent(number("prefill_saved_fraction")).c_str(),
              number("recomputed_chunks"), m.find("load_policy") ? Metrics::format(*m.find("load_policy")).c_str() : "always");
  std::printf("  TTFT mean %.6g ms, p50 %.6g ms, p90 %.6g ms, p99 %.6g ms; throughput %.4g requests/s\n",
              number("ttft_mean_us") / 1e3, number("ttft_p50_us") / 1e3, number("ttft_p90_us") / 1e3,
              number("ttft_p99_us") / 1e3, number("throughput_rps"));
  for (const TierSpec& tier : topology.tiers) {
    const std::string& n = tier.name;
    std::printf("  %-10s served %.4f of blocks (%.4f of tokens); %.0f inserts, %.0f evictions, %.0f written back; %s stored at the end\n",
                n.c_str(), number(n + "_hit_ratio_blocks"), number(n + "_hit_ratio_tokens"), number(n + "_inserts"),
                number(n + "_evictions"), number(n + "_writebacks"), bytes_text(number(n + "_stored_bytes_end")).c_str());
  }
  for (const LinkSpec& link : topology.links) {
    const std::string& n = link.name;
    std::printf("  link %-10s %s in %.0f transfers, utilization %s\n", n.c_str(), bytes_text(number(n + "_bytes")).c_str(),
                number(n + "_transfers"), percent(number(n + "_utilization")).c_str());
  }
  std::printf("  object store: %.0f GETs, %.0f PUTs, %.0f throttled; cost $%.6g (storage $%.6g, requests $%.6g)\n",
              number("store_get_requests"), number("store_put_requests"), number("store_throttled"), number("total_cost_usd"),
              number("storage_cost_usd"), number("request_cost_usd"));
  std::printf("results: %s/results.csv and %s/summary.json\n", out_dir.c_str(), out_dir.c_str());
  // A backlog that outlives the requests means a tier below cannot keep up with its writes.
  const double drain = number("drain_s"), served = number("sim_time_s");
  if (drain > 0.01 * served && drain > 0) {
    std::string busiest;
    for (const LinkSpec& link : topology.links)
      if (busiest.empty() || number(link.name + "_utilization") > number(busiest + "_utilization")) busiest = link.name;
    std::fflush(stdout);
    std::fprintf(stderr,
                 "tiersim: warning: the links were still moving %s for %.4g s after the last request was served (%.4g s); "
                 "a tier below cannot keep up with what is written to it (busiest link while serving: %s, %s)\n",
                 bytes_text(number("drain_bytes")).c_str(), drain, served, busiest.c_str(),
                 percent(number(busiest + "_utilization")).c_str());
  }
}

}  // namespace tiersim::models
