// uniform: every step routes each layer to experts_per_step distinct experts drawn
// uniformly (Floyd's algorithm). No locality: the worst case for any cache.
#include "sim/containers/flat_map.h"
#include "sim/engine/random.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

class UniformSampler final : public Sampler {
 public:
  explicit UniformSampler(const GeneratorSpec& spec) : spec_(spec), rng_(sim::Rng::derive(spec.seed, 2)) {}

  void begin_step(uint64_t) override {}

  void sample_layer(uint32_t, std::vector<uint32_t>& experts) override {
    experts.clear();
    chosen_.clear();
    const uint32_t n = spec_.n_experts;
    for (uint32_t j = n - spec_.experts_per_step; j < n; ++j) {
      const uint32_t t = static_cast<uint32_t>(rng_.below(uint64_t{j} + 1));
      const uint32_t pick = chosen_.find(t) ? j : t;
      chosen_.insert(pick, 1);
      experts.push_back(pick);
    }
    sort_unique(experts);
  }

 private:
  GeneratorSpec spec_;
  sim::Rng rng_;
  sim::FlatMap<uint8_t> chosen_;
};

TIERSIM_REGISTER_SAMPLER(UniformSampler, "uniform", "experts_per_step distinct experts per layer, uniformly at random", {});

}  // namespace tiersim::traces
