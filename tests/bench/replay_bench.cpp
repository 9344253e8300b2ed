// Replay throughput in memory (no file I/O): the counting path of every policy and the full
// three-tier expert replay with event timing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "models/policies/partitioned_replay.h"
#include "models/policies/policy_registry.h"
#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"
#include "traces/generators/generated_trace.h"

namespace {

using namespace tiersim;

class MemoryTrace final : public traces::TraceReader {
 public:
  explicit MemoryTrace(const std::vector<traces::Access>& accesses) : accesses_(accesses) {}
  size_t read(traces::Access* out, size_t capacity) override {
    const size_t n = std::min(capacity, accesses_.size() - position_);
    std::copy_n(accesses_.begin() + static_cast<std::ptrdiff_t>(position_), n, out);
    position_ += n;
    return n;
  }
  std::string source() const override { return "memory"; }

 private:
  const std::vector<traces::Access>& accesses_;
  size_t position_ = 0;
};

traces::GeneratorSpec episode_trace(uint64_t steps) {
  traces::GeneratorSpec s;
  s.sampler = "episode";
  s.n_experts = 2048;
  s.experts_per_step = 4;
  s.set("episode_len", 50);
  s.steps = steps;
  return s;
}

// A generated trace, held in memory.
std::vector<traces::Access> generate(const traces::GeneratorSpec& spec) {
  traces::GeneratedTrace trace(spec);
  std::vector<traces::Access> all;
  std::vector<traces::Access> batch(1 << 14);
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) all.insert(all.end(), batch.begin(), batch.begin() + n);
  return all;
}

// Every registered policy on the same 10M-access episode trace, read from memory.
void BM_Counting(benchmark::State& state, const models::PolicyEntry* policy) {
  static const std::vector<traces::Access> accesses = generate(episode_trace(3'020'000));
  const models::TraceOpener open = [] { return std::unique_ptr<traces::TraceReader>(new MemoryTrace(accesses)); };
  uint64_t requests = 0;
  for (auto _ : state) {
    const auto results = policy->replay(open, {models::Capacity{64, UINT64_MAX}}, nullptr);
    requests = results[0].requests;
  }
  state.counters["accesses_per_s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
}
// The counting path with the cache partitioned by layer: 8 layers of 2048 experts, 64
// slots per layer, each layer its own LRU.
void BM_CountingPartitioned(benchmark::State& state) {
  static const std::vector<traces::Access> accesses = [] {
    traces::GeneratorSpec spec = episode_trace(380'000);
    spec.n_layers = 8;
    return generate(spec);
  }();
  const models::TraceOpener open = [] { return std::unique_ptr<traces::TraceReader>(new MemoryTrace(accesses)); };
  uint64_t requests = 0;
  for (auto _ : state) {
    const auto results =
        models::replay_partitioned(open, {models::Capacity{64, UINT64_MAX}}, *models::PolicyRegistry::find("lru"), nullptr);
    requests = results[0].requests;
  }
  state.counters["accesses_per_s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CountingPartitioned)->Unit(benchmark::kMillisecond)->Iterations(1);

// The prototype's three tiers, timed; arguments: exclusive hierarchy, first tier
// partitioned by layer.
void BM_ThreeTierReplay(benchmark::State& state) {
  nlohmann::json config = nlohmann::json::parse(R"({
    "tiers": [{"name": "gpu", "capacity": 16}, {"name": "cpu", "capacity": 64}, {"name": "disk"}],
    "links": [
      {"name": "h2d", "from": "cpu", "to": "gpu", "bandwidth": "12 GB/s"},
      {"name": "d2h", "from": "gpu", "to": "cpu", "bandwidth": "12 GB/s"},
      {"name": "disk_read", "from": "disk", "to": "cpu", "bandwidth": "3 GB/s", "per_io_overhead": "0.2 ms"},
      {"name": "disk_write", "from": "cpu", "to": "disk", "bandwidth": "2 GB/s", "per_io_overhead": "0.2 ms"}]})");
  if (state.range(0)) config["inclusion"] = "exclusive";
  if (state.range(1)) config["tiers"][0]["partition"] = "layer";
  const ConfigNode root(config, "", "bench");
  models::ExpertReplaySpec spec;
  spec.mode = models::ExpertReplaySpec::Mode::kTraining;
  spec.expert_bytes = 526848;
  uint64_t accesses = 0;
  for (auto _ : state) {
    sim::Simulator simulator;
    models::Topology topology(simulator, models::parse_topology(root, spec.expert_bytes, true));
    traces::GeneratedTrace trace(episode_trace(2'500'000));
    models::ExpertReplay replay(simulator, topology, spec, trace);
    replay.run();
    accesses = replay.accesses();
  }
  state.counters["accesses_per_s"] = benchmark::Counter(static_cast<double>(accesses), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ThreeTierReplay)
    ->ArgNames({"exclusive", "per_layer"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

// Called from main(): policies register themselves during static initialisation, so the
// list is complete only once main() runs.
void register_counting_benchmarks() {
  for (const tiersim::models::PolicyEntry* policy : tiersim::models::PolicyRegistry::all()) {
    benchmark::RegisterBenchmark(("BM_Counting/" + policy->name).c_str(), BM_Counting, policy)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
  }
}
