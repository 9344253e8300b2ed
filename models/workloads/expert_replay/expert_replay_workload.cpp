#include "models/workloads/expert_replay/expert_replay_workload.h"

#include <chrono>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "models/workloads/workload_registry.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/engine/simulator.h"
#include "traces/next_access.h"

namespace tiersim::models {

namespace {

bool has_link(const TopologySpec& topology, uint32_t from, uint32_t to) { return link_between(topology.links, from, to) != kNoLink; }

// The optimizer's placement names a tier (hbm: the first, dram: the second, nvme: the
// third) that must exist, with the links its traffic takes; the host CPU comes from the
// hardware profile unless the block gives it.
void check_training_topology(const ConfigNode& training, const TopologySpec& topology, TrainingSpec& spec) {
  const OptimizerSpec& o = spec.optimizer;
  const uint32_t tier = o.tier();
  std::string tiers;
  for (const TierSpec& t : topology.tiers) tiers += (tiers.empty() ? "" : ", ") + t.name;
  auto fail = [&](const std::string& why) { training.at("optimizer").at("placement").fail(why); };
  if (tier >= topology.tiers.size()) {
    fail(std::string("placement \"") + placement_name(o.placement) + "\" is tier " + std::to_string(tier + 1) +
         " of the topology, which has only " + std::to_string(topology.tiers.size()) + " (" + tiers + "); expected hbm" +
         (topology.tiers.size() > 1 ? ", dram" : "") + (topology.tiers.size() > 2 ? " or nvme" : ""));
  }
  if (tier >= 1 && (!has_link(topology, 0, 1) || !has_link(topology, 1, 0))) {
    fail("an optimizer in \"" + topology.tiers[1].name + "\" needs links both ways between \"" + topology.tiers[0].name + "\" and it");
  }
  if (tier == 2 && (!has_link(topology, 1, 2) || !has_link(topology, 2, 1))) {
    fail("optimizer state on \"" + topology.tiers[2].name + "\" needs links both ways between \"" + topology.tiers[1].name + "\" and it");
  }
  if (topology.host_cpu && !training.has("cpu")) {
    spec.cpu.flops = topology.host_cpu->flops;
    spec.cpu.memory_Bps = topology.host_cpu->memory_Bps;
    spec.cpu.source = topology.hardware_path;
  }
}

std::unique_ptr<WorkloadSpec> parse_expert_replay_workload(const ConfigNode& workload, const ConfigNode& root, uint64_t run_seed,
                                                           TopologySpec& topology) {
  ExpertReplaySpec spec = parse_expert_replay(workload, run_seed);
  const bool training = spec.mode == ExpertReplaySpec::Mode::kTraining;
  topology = parse_topology(root, spec.expert_bytes, training);
  if (spec.bench_cache_counters && topology.tiers.size() != 3) {
    workload.at("bench_cache_counters").fail("the MoE prototype's counters need exactly three tiers (GPU, CPU, disk), this config has " +
                                         std::to_string(topology.tiers.size()));
  }
  if (topology.exclusive && spec.warm_tier.enabled) {
    root.at("inclusion").fail("the warm-tier protocol keeps its own copies in the warm tier (staged, promoted, demoted): use "
                              "\"inclusive\" with it");
  }
  if (spec.training) check_training_topology(workload.at("training"), topology, *spec.training);
  if (spec.prefetch.make && !spec.prefetch.target.empty()) {
    uint32_t target = UINT32_MAX;
    for (uint32_t t = 0; t + 1 < topology.tiers.size(); ++t)
      if (topology.tiers[t].name == spec.prefetch.target) target = t;
    if (target == UINT32_MAX) {
      throw InputError(spec.prefetch.target_path + ": prefetch target \"" + spec.prefetch.target +
                       "\" is not a cache tier; expected one of the tiers above the backing store");
    }
  }
  return std::make_unique<ExpertReplayWorkload>(std::move(spec));
}

}  // namespace

void add_expert_replay_columns(const ExpertReplaySpec& spec, Metrics& row) {
  row.add("mode", spec.mode == ExpertReplaySpec::Mode::kTraining ? "training" : "inference");
  row.add("overlap", spec.overlap == ExpertReplaySpec::Overlap::kSerial ? "serial" : "pipelined");
  row.add("expert_bytes", spec.expert_bytes);
}

namespace {

// The replay's trace, with each access's next use when a policy reads the future (Belady:
// a first pass learns them).
std::unique_ptr<traces::TraceReader> replay_trace(const ExpertReplaySpec& spec, const Topology& topology) {
  std::unique_ptr<traces::TraceReader> trace = open_replay_trace(spec);
  if (!topology.has_offline_policy()) return trace;
  std::vector<int64_t> next = traces::next_access_indices(*trace);
  return std::make_unique<traces::WithNextAccess>(open_replay_trace(spec), std::move(next));
}

// The figures of a variant of the run (a comparison's baseline), without a time series.
Metrics replay_metrics(ExpertReplaySpec variant, const TopologySpec& topology_spec) {
  variant.timeseries_interval = 0;
  sim::Simulator simulator;
  Topology topology(simulator, topology_spec);
  std::unique_ptr<traces::TraceReader> trace = replay_trace(variant, topology);
  ExpertReplay replay(simulator, topology, variant, *trace);
  replay.run();
  return replay.metrics();
}

// The prefetcher's net effect: the same replay without it, against the run's figures.
void add_prefetch_comparison(const ExpertReplaySpec& spec, const TopologySpec& topology_spec, Metrics& row) {
  ExpertReplaySpec none = spec;
  none.prefetch = PrefetchSpec{};
  const Metrics base = replay_metrics(none, topology_spec);
  const double step = base.number("step_time_mean_us");
  row.add("prefetch_none_step_time_mean_us", step);
  row.add("prefetch_step_time_saved_us", step - row.number("step_time_mean_us"));
  row.add("prefetch_stall_saved_s", base.number("stall_time_s") - row.number("stall_time_s"));
}

// Cache-aware routing's gain: the same replay with top-1 routing.
void add_routing_comparison(const ExpertReplaySpec& spec, const TopologySpec& topology_spec, Metrics& row) {
  ExpertReplaySpec top1 = spec;
  top1.training->routing = RoutingSpec{};
  const Metrics base = replay_metrics(top1, topology_spec);
  const std::string hits = topology_spec.tiers[0].name + "_hit_ratio";
  row.add("routing_top1_" + hits, base.number(hits));
  row.add("routing_hit_ratio_gain", row.number(hits) - base.number(hits));
  row.add("routing_top1_step_time_mean_us", base.number("step_time_mean_us"));
}

}  // namespace

WorkloadRun ExpertReplayWorkload::simulate(const TopologySpec& topology_spec, const std::string& name) const {
  sim::Simulator simulator;
  Topology topology(simulator, topology_spec);
  std::unique_ptr<traces::TraceReader> trace = replay_trace(spec_, topology);
  ExpertReplay replay(simulator, topology, spec_, *trace);

  const auto wall_start = std::chrono::steady_clock::now();
  replay.run();
  WorkloadRun run;
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  add_expert_replay_columns(spec_, run.row);
  run.row.append(replay.metrics());
  if (spec_.prefetch.make && spec_.prefetch.compare_with_none) add_prefetch_comparison(spec_, topology_spec, run.row);
  if (spec_.training && spec_.training->routing.cache_aware && spec_.training->routing.compare) {
    add_routing_comparison(spec_, topology_spec, run.row);
  }
  run.events = simulator.events_processed();
  run.lookups = replay.accesses();
  run.lookups_name = "accesses";
  run.extra_files = {{"timeseries.csv", replay.timeseries_csv()},
                     {"unavailable.log", replay.unavailable_log()},
                     {"histograms.csv", replay.histograms_csv()}};
  run.print_summary = [name, topology_spec, spec = spec_, row = run.row, wall = run.wall_seconds,
                       events = run.events](const std::string& out_dir) {
    print_expert_replay_summary(name, topology_spec, spec, row, wall, events, out_dir);
  };
  return run;
}

TIERSIM_REGISTER_WORKLOAD(expert_replay, "expert_replay", "MoE expert routing replay over the tier topology",
                          &parse_expert_replay_workload);

}  // namespace tiersim::models
