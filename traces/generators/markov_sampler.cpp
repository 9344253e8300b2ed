// markov: the environment persists from step to step with probability p_stay, else a new
// one is drawn uniformly; routing as in EnvironmentRouting. Seed 001's EnvMarkovSampler.
#include "traces/generators/environment_routing.h"

namespace tiersim::traces {

class MarkovSampler final : public SingleEnvironmentSampler {
 public:
  using SingleEnvironmentSampler::SingleEnvironmentSampler;

  void begin_step(uint64_t step) override {
    if (step == 0 || env_rng_.uniform01() > spec_.p_stay) draw_environment();
  }
};

TIERSIM_REGISTER_SAMPLER(MarkovSampler, "markov", "environment kept with probability p_stay each step, else redrawn");

}  // namespace tiersim::traces
