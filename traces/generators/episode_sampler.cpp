// episode: runs of `episode_len` steps in one environment (chosen uniformly at the start of
// each run); every step routes `experts_per_step` picks through that environment
// (EnvironmentRouting), so consecutive steps reuse a small expert set. Seed 001's
// EnvEpisodeSampler.
#include "traces/generators/environment_routing.h"

namespace tiersim::traces {

class EpisodeSampler final : public SingleEnvironmentSampler {
 public:
  using SingleEnvironmentSampler::SingleEnvironmentSampler;

  void begin_step(uint64_t step) override {
    if (step % spec_.episode_len == 0) draw_environment();
  }
};

TIERSIM_REGISTER_SAMPLER(EpisodeSampler, "episode",
                         "episodes of episode_len steps in one environment; picks = env base + jitter in [0, env_width)");

}  // namespace tiersim::traces
