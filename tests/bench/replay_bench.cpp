// Replay throughput in memory (no file I/O): the counting LRU path and the full
// three-tier expert replay with event timing.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "models/policies/policy_registry.h"
#include "models/tiers/topology.h"
#include "models/workloads/expert_replay.h"
#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"
#include "traces/generators/generated_trace.h"

namespace {

using namespace tiersim;

traces::GeneratorSpec episode_trace(uint64_t steps) {
  traces::GeneratorSpec s;
  s.sampler = "episode";
  s.n_experts = 2048;
  s.experts_per_step = 4;
  s.episode_len = 50;
  s.steps = steps;
  return s;
}

void BM_CountingLru(benchmark::State& state) {
  const traces::GeneratorSpec spec = episode_trace(2'500'000);
  uint64_t requests = 0;
  for (auto _ : state) {
    traces::GeneratedTrace trace(spec);
    const auto results = models::PolicyRegistry::find("lru")->replay(trace, {models::Capacity{16, UINT64_MAX}}, nullptr);
    requests = results[0].requests;
  }
  state.counters["accesses_per_s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CountingLru)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_ThreeTierReplay(benchmark::State& state) {
  const nlohmann::json config = nlohmann::json::parse(R"({
    "tiers": [{"name": "gpu", "capacity": 16}, {"name": "cpu", "capacity": 64}, {"name": "disk"}],
    "links": [
      {"name": "h2d", "from": "cpu", "to": "gpu", "bandwidth": "12 GB/s"},
      {"name": "d2h", "from": "gpu", "to": "cpu", "bandwidth": "12 GB/s"},
      {"name": "disk_read", "from": "disk", "to": "cpu", "bandwidth": "3 GB/s", "per_io_overhead": "0.2 ms"},
      {"name": "disk_write", "from": "cpu", "to": "disk", "bandwidth": "2 GB/s", "per_io_overhead": "0.2 ms"}]})");
  const ConfigNode root(config, "", "bench");
  models::ExpertReplaySpec spec;
  spec.mode = models::ExpertReplaySpec::Mode::kTraining;
  spec.expert_bytes = 526848;
  uint64_t accesses = 0;
  for (auto _ : state) {
    sim::Simulator simulator;
    models::Topology topology(simulator, models::parse_topology(root, spec.expert_bytes), root, true);
    traces::GeneratedTrace trace(episode_trace(2'500'000));
    models::ExpertReplay replay(simulator, topology, spec, trace);
    replay.run();
    accesses = replay.accesses();
  }
  state.counters["accesses_per_s"] = benchmark::Counter(static_cast<double>(accesses), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ThreeTierReplay)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
