// episode: runs of `episode_len` steps in one environment (chosen uniformly at the start of
// each run); every step routes `experts_per_step` picks through that environment
// (EnvironmentRouting), so consecutive steps reuse a small expert set. Seed 001's
// EnvEpisodeSampler.
#include "sim/engine/random.h"
#include "traces/generators/environment_routing.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

class EpisodeSampler final : public Sampler {
 public:
  explicit EpisodeSampler(const GeneratorSpec& spec)
      : spec_(spec), routing_(spec), env_rng_(sim::Rng::derive(spec.seed, 1)), pick_rng_(sim::Rng::derive(spec.seed, 2)) {}

  void begin_step(uint64_t step) override {
    if (step % spec_.episode_len == 0) env_ = static_cast<uint32_t>(env_rng_.below(spec_.environments()));
  }

  void sample_layer(uint32_t layer, std::vector<uint32_t>& experts) override {
    experts.clear();
    routing_.pick(routing_.ordered_base(env_), layer, spec_.experts_per_step, pick_rng_, experts);
    sort_unique(experts);
  }

 private:
  GeneratorSpec spec_;
  EnvironmentRouting routing_;
  sim::Rng env_rng_, pick_rng_;
  uint32_t env_ = 0;
};

TIERSIM_REGISTER_SAMPLER(EpisodeSampler, "episode",
                         "episodes of episode_len steps in one environment; picks = env base + jitter in [0, env_width)");

}  // namespace tiersim::traces
