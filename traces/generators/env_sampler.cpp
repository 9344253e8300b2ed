// env: n_envs environments, each with its own preferred experts (a window of env_width
// experts at a hashed position, so environments' preferences are scattered); every step
// draws envs_per_batch distinct environments uniformly and routes experts_per_step picks
// through each. More environments per batch means more unique experts per step, as with
// seed 001's --envs_per_batch.
#include "sim/engine/random.h"
#include "traces/generators/environment_routing.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

class EnvSampler final : public Sampler {
 public:
  explicit EnvSampler(const GeneratorSpec& spec)
      : spec_(spec), routing_(spec), env_rng_(sim::Rng::derive(spec.seed, 1)), pick_rng_(sim::Rng::derive(spec.seed, 2)) {}

  void begin_step(uint64_t) override {
    // Floyd's algorithm: envs_per_batch distinct environments in O(envs_per_batch).
    batch_.clear();
    const uint32_t n = spec_.environments();
    for (uint32_t j = n - spec_.envs_per_batch; j < n; ++j) {
      const uint32_t t = static_cast<uint32_t>(env_rng_.below(uint64_t{j} + 1));
      bool seen = false;
      for (uint32_t e : batch_) seen = seen || e == t;
      batch_.push_back(seen ? j : t);
    }
  }

  void sample_layer(uint32_t layer, std::vector<uint32_t>& experts) override {
    experts.clear();
    for (uint32_t env : batch_) {
      const uint32_t base = static_cast<uint32_t>(sim::mix64(spec_.seed * 0x9e3779b97f4a7c15ull + env) % spec_.n_experts);
      routing_.pick(base, layer, spec_.experts_per_step, pick_rng_, experts);
    }
    sort_unique(experts);
  }

 private:
  GeneratorSpec spec_;
  EnvironmentRouting routing_;
  sim::Rng env_rng_, pick_rng_;
  std::vector<uint32_t> batch_;
};

TIERSIM_REGISTER_SAMPLER(EnvSampler, "env", "envs_per_batch environments per step, each with its own preferred experts");

}  // namespace tiersim::traces
