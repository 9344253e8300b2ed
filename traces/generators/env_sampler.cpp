// env: n_envs environments, each with its own preferred experts (a window of env_width
// experts at a hashed position, so environments' preferences are scattered); every step
// draws envs_per_batch distinct environments uniformly and routes experts_per_step picks
// through each. More environments per batch means more unique experts per step, as with
// the MoE prototype's --envs_per_batch.
#include "sim/engine/random.h"
#include "sim/errors.h"
#include "traces/generators/environment_routing.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

class EnvSampler final : public Sampler {
 public:
  explicit EnvSampler(const GeneratorSpec& spec)
      : spec_(spec),
        routing_(spec),
        env_rng_(sim::Rng::derive(spec.seed, 1)),
        pick_rng_(sim::Rng::derive(spec.seed, 2)),
        environments_(environments(spec)),
        envs_per_batch_(spec.count("envs_per_batch")) {}

  void begin_step(uint64_t) override {
    // Floyd's algorithm: envs_per_batch distinct environments in O(envs_per_batch).
    batch_.clear();
    const uint32_t n = environments_;
    for (uint32_t j = n - envs_per_batch_; j < n; ++j) {
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
  uint32_t environments_, envs_per_batch_;
  std::vector<uint32_t> batch_;
};

void check_batch(const GeneratorSpec& spec, const std::string& prefix) {
  if (spec.count("envs_per_batch") > environments(spec)) {
    throw InputError(prefix + "envs_per_batch (" + std::to_string(spec.count("envs_per_batch")) + ") exceeds n_envs (" +
                     std::to_string(environments(spec)) + ")");
  }
}

TIERSIM_REGISTER_SAMPLER(EnvSampler, "env", "envs_per_batch environments per step, each with its own preferred experts",
                         {{"envs_per_batch", 1, 1, 1u << 20, true, "environments per step"}, environments_parameter(),
                          env_width_parameter(), noise_parameter(), distinct_parameter()},
                         &check_batch);

}  // namespace tiersim::traces
