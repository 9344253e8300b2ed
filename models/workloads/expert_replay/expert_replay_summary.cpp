// The few lines `tiersim run` prints after an expert replay.
#include <cstdio>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay_workload.h"
#include "sim/config/units.h"

namespace tiersim::models {

namespace {

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", 100.0 * fraction);
  return text;
}

}  // namespace

void print_expert_replay_summary(const std::string& name, const TopologySpec& topology, const ExpertReplaySpec& spec,
                                 const Metrics& row, double wall_seconds, uint64_t events, const std::string& out_dir) {
  auto number = [&](const std::string& key) { return row.number(key); };
  const bool training = spec.mode == ExpertReplaySpec::Mode::kTraining;
  std::printf("tiersim run: %s (expert_replay, %s, %s)\n", name.c_str(), training ? "training" : "inference",
              spec.overlap == ExpertReplaySpec::Overlap::kSerial ? "serial" : "pipelined");
  const double accesses = number("accesses");
  std::printf("  %.0f steps, %.0f accesses: %.6g s simulated in %.3f s wall (%.3g accesses/s, %llu events, %.3g events/s)\n",
              number("steps"), accesses, number("sim_time_s"), wall_seconds, wall_seconds > 0 ? accesses / wall_seconds : 0.0,
              static_cast<unsigned long long>(events),
              wall_seconds > 0 ? static_cast<double>(events) / wall_seconds : 0.0);
  std::printf("  step time: mean %.6g us, p50 %.6g us, p99 %.6g us; stall %s of step time\n", number("step_time_mean_us"),
              number("step_time_p50_us"), number("step_time_p99_us"), percent(number("stall_fraction")).c_str());
  const size_t backing = topology.tiers.size() - 1;
  for (size_t t = 0; t < topology.tiers.size(); ++t) {
    const std::string& n = topology.tiers[t].name;
    if (t == backing) {
      std::printf("  %-10s backing store: %.0f reads, %.0f writes\n", n.c_str(), number(n + "_reads"), number(n + "_writes"));
    } else {
      std::printf("  %-10s hit ratio %.4f (%.0f hits, %.0f misses, %.0f evictions, %.0f write-backs)\n", n.c_str(),
                  number(n + "_hit_ratio"), number(n + "_hits"), number(n + "_misses"), number(n + "_evictions"),
                  number(n + "_writebacks"));
    }
  }
  for (const LinkSpec& link : topology.links) {
    const std::string& n = link.name;
    std::printf("  link %-10s %s in %.0f transfers, utilization %s, latency p50 %.6g us, p99 %.6g us\n", n.c_str(),
                sim::units::format_bytes(static_cast<uint64_t>(number(n + "_bytes"))).c_str(), number(n + "_transfers"),
                percent(number(n + "_utilization")).c_str(), number(n + "_latency_p50_us"), number(n + "_latency_p99_us"));
  }
  if (training) std::printf("  final flush of dirty objects: %.6g s\n", number("flush_time_s"));
  std::printf("results: %s/results.csv and %s/summary.json\n", out_dir.c_str(), out_dir.c_str());
}

}  // namespace tiersim::models
