// The few lines `tiersim run` prints after a KV-store run.
#include "models/workloads/kv_store/kv_store_summary.h"

#include <cstdio>

#include "models/tiers/topology.h"
#include "sim/config/units.h"

namespace tiersim::models {

void print_kv_store_summary(const std::string& name, const TopologySpec& topology, const Metrics& m, double wall_seconds,
                            uint64_t events, const std::string& out_dir) {
  auto number = [&](const std::string& key) { return m.number(key); };
  std::printf("tiersim run: %s (kv_store, blocks of %.0f tokens, %s per token)\n", name.c_str(), number("block_tokens"),
              sim::units::format_bytes(static_cast<uint64_t>(number("kv_bytes_per_token"))).c_str());
  std::printf("  %.0f calls (%.0f loads, %.0f stores, %.0f queries, %.0f deletes): %.6g s simulated in %.3f s wall (%llu events)\n",
              number("calls"), number("load_calls"), number("store_calls"), number("query_calls"), number("delete_calls"),
              number("simulated_s"), wall_seconds, static_cast<unsigned long long>(events));
  std::printf("  loads: %.0f blocks, %.4f held (", number("load_blocks"), number("load_hit_ratio"));
  for (size_t t = 0; t < topology.tiers.size(); ++t) {
    std::printf("%s%s %.4f", t ? ", " : "", topology.tiers[t].name.c_str(), number(topology.tiers[t].name + "_load_hit_ratio"));
  }
  std::printf("); latency mean %.6g ms, p99 %.6g ms\n", number("load_latency_mean_us") / 1e3, number("load_latency_p99_us") / 1e3);
  std::printf("  messages: %.0f refills (%s), %.0f evicts (%s); %.0f expired, %.0f deleted\n", number("refill_messages"),
              sim::units::format_bytes(static_cast<uint64_t>(number("refill_message_bytes"))).c_str(), number("evict_messages"),
              sim::units::format_bytes(static_cast<uint64_t>(number("evict_message_bytes"))).c_str(), number("expired_blocks"),
              number("deleted_blocks"));
  if (number("promotions") > 0 || number("daemon_scans") > 0) {
    std::printf("  movement: %.0f promotions (%s), %.0f used, %.0f evicted unused; %.0f daemon scans\n", number("promotions"),
                sim::units::format_bytes(static_cast<uint64_t>(number("promotion_bytes"))).c_str(), number("promoted_used"),
                number("promoted_wasted"), number("daemon_scans"));
  }
  std::printf("results: %s/results.csv and %s/summary.json\n", out_dir.c_str(), out_dir.c_str());
}

}  // namespace tiersim::models
