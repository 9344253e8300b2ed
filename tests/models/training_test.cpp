// The training loop's pieces on their own: the compute model's formulas worked by hand, the
// token batches' conservation of tokens, and cache-aware routing's invariants on random
// steps (tokens conserved, re-routed only to resident experts, within the capacity bound,
// nothing moved without a bias).
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "models/workloads/expert_replay/training/cache_aware_router.h"
#include "models/workloads/expert_replay/training/token_batches.h"
#include "models/workloads/expert_replay/training/training_compute.h"
#include "models/workloads/expert_replay/training/training_spec.h"
#include "sim/config/config_node.h"
#include "sim/engine/random.h"

using namespace tiersim;
using namespace tiersim::models;

namespace {

TrainingSpec training(const char* json) {
  const nlohmann::json value = nlohmann::json::parse(json);
  return parse_training(ConfigNode(value, "workload.training", "test"), nullptr);
}

}  // namespace

TEST_CASE("a compute-bound expert's forward is its FLOPs at the peak, plus its kernels") {
  // d_model 8192, d_hidden 32768, 4096 tokens: the GEMMs are far above the ridge point.
  const TrainingSpec spec = training(R"({"d_model": 8192, "d_hidden": 32768, "batch_size": 4096, "sort_by_expert": true,
                                         "gpu": {"peak_tflops": {"bf16": 1000, "fp32": 100}, "hbm_bandwidth": "4 TB/s",
                                                 "hbm": "80 GB", "efficiency": 0.5}})");
  const TrainingCompute compute(spec);
  const double flops = 4.0 * 4096 * 8192 * 32768;
  const double gemm = flops / 100e12 / 0.5;
  const double dispatch = 4.0 * 4096 * 8192 * 4 / 4e12 + 3 * 4e-6;
  CHECK(sim::to_seconds(compute.forward(4096)) == doctest::Approx(gemm + dispatch).epsilon(1e-6));
  CHECK(compute.backward(4096, false) == 2 * compute.forward(4096));
  CHECK(compute.backward(4096, true) == 3 * compute.forward(4096));
  CHECK(compute.train_flops(4096) == doctest::Approx(6.0 * 4096 * 8192 * 32768 * 2));
}

TEST_CASE("an unsorted batch pays a mask pass and four more kernels per expert") {
  const TrainingSpec sorted = training(R"({"sort_by_expert": true, "batch_size": 1024})");
  const TrainingSpec masked = training(R"({"sort_by_expert": false, "batch_size": 1024})");
  const double extra = 1024.0 * 8 / sorted.gpu.hbm_Bps + 4 * 4e-6;
  CHECK(sim::to_seconds(TrainingCompute(masked).forward(100) - TrainingCompute(sorted).forward(100)) ==
        doctest::Approx(extra).epsilon(1e-6));
}

TEST_CASE("optimizer state: bytes per expert and where the object's size includes it") {
  const TrainingSpec adam = training(R"({"optimizer": {"type": "adam"}, "dtype": "bf16"})");
  const uint64_t params = 2ull * 128 * 512 + 512 + 128;
  CHECK(adam.params() == params);
  CHECK(adam.optimizer_state() == params * (4 + 2 * 4));  // fp32 master and two moments
  CHECK(adam.object_bytes() == params * 2 + adam.optimizer_state());
  const TrainingSpec offloaded = training(R"({"optimizer": {"type": "adam", "placement": "nvme"}})");
  CHECK(offloaded.object_bytes() == params * 4);
  CHECK(offloaded.gradients() == params * 4);
}

TEST_CASE("training batches: every step's tokens, each environment's share, one expert each") {
  traces::GeneratorSpec spec;
  spec.sampler = "uniform";
  spec.n_experts = 37;
  spec.n_layers = 3;
  spec.steps = 200;
  spec.set("n_envs", 90);
  TokenBatchTrace trace(spec, 1000, 7);
  std::map<std::pair<uint64_t, uint32_t>, uint64_t> tokens;
  std::map<std::pair<uint64_t, uint32_t>, std::set<uint32_t>> experts;
  traces::Access batch[64];
  size_t n;
  while ((n = trace.read(batch, 64)) > 0) {
    for (size_t i = 0; i < n; ++i) {
      tokens[{batch[i].step, batch[i].layer()}] += batch[i].tokens;
      CHECK(experts[{batch[i].step, batch[i].layer()}].insert(batch[i].expert()).second);
      CHECK(batch[i].expert() < 37);
    }
  }
  CHECK(tokens.size() == 200 * 3);
  for (const auto& [key, count] : tokens) CHECK(count == 1000);
  for (const auto& [key, set] : experts) CHECK(set.size() <= 7);
}

TEST_CASE("cache-aware routing on random steps keeps its invariants") {
  sim::Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    RoutingSpec spec;
    spec.cache_aware = true;
    spec.candidates = 2 + static_cast<uint32_t>(rng.below(6));
    spec.margin = rng.below(2) == 1;
    spec.value = trial % 10 == 0 ? 0.0 : rng.uniform01() * 0.5;
    spec.capacity_factor = 1.0 + rng.uniform01() * 2;
    const uint32_t n_experts = 8 + static_cast<uint32_t>(rng.below(64));
    CacheAwareRouter router(spec, n_experts, trial);
    std::set<uint64_t> resident;
    for (uint32_t e = 0; e < n_experts; ++e)
      if (rng.below(3) == 0) resident.insert(traces::Access::object_of(0, e));
    std::vector<traces::Access> step;
    std::set<uint32_t> chosen;
    const uint32_t used = 1 + static_cast<uint32_t>(rng.below(8));
    uint64_t total = 0;
    while (chosen.size() < used) chosen.insert(static_cast<uint32_t>(rng.below(n_experts)));
    std::map<uint32_t, uint64_t> before;
    for (uint32_t e : chosen) {
      traces::Access a;
      a.object = traces::Access::object_of(0, e);
      a.tokens = 1 + static_cast<uint32_t>(rng.below(100));
      total += a.tokens;
      before[e] = a.tokens;
      step.push_back(a);
    }
    const uint64_t capacity = static_cast<uint64_t>(std::ceil(spec.capacity_factor * double(total) / double(used)));
    router.route(step, [&](uint64_t object) { return resident.count(object) > 0; });
    uint64_t after = 0;
    for (size_t i = 0; i < step.size(); ++i) {
      const uint32_t e = step[i].expert();
      after += step[i].tokens;
      if (i > 0) CHECK(step[i - 1].expert() < e);  // still ascending, each expert once
      const uint64_t had = before.count(e) ? before[e] : 0;
      if (step[i].tokens > had) {  // it received re-routed tokens
        CHECK(resident.count(step[i].object) == 1);
        CHECK(step[i].tokens <= std::max(capacity, had));
      }
    }
    CHECK(after == total);
    if (spec.value == 0 && !spec.margin) CHECK(router.counts().rerouted == 0);
  }
}
