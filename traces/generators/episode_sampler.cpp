// episode: runs of `episode_len` steps in one environment (chosen uniformly at the start of
// each run); every step routes `experts_per_step` picks through that environment
// (EnvironmentRouting), so consecutive steps reuse a small expert set. The MoE
// prototype's EnvEpisodeSampler.
#include "traces/generators/environment_routing.h"

namespace tiersim::traces {

class EpisodeSampler final : public SingleEnvironmentSampler {
 public:
  explicit EpisodeSampler(const GeneratorSpec& spec) : SingleEnvironmentSampler(spec), episode_len_(spec.count("episode_len")) {}

  void begin_step(uint64_t step) override {
    if (step % episode_len_ == 0) draw_environment();
  }

 private:
  uint32_t episode_len_;
};

TIERSIM_REGISTER_SAMPLER(EpisodeSampler, "episode",
                         "episodes of episode_len steps in one environment; picks = env base + jitter in [0, env_width)",
                         {{"episode_len", 20, 1, UINT32_MAX, true, "steps per environment"}, environments_parameter(),
                          env_width_parameter(), noise_parameter(), distinct_parameter()});

}  // namespace tiersim::traces
