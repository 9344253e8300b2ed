// markov: the environment persists from step to step with probability p_stay, else a new
// one is drawn uniformly; routing as in EnvironmentRouting. The MoE prototype's EnvMarkovSampler.
#include "traces/generators/environment_routing.h"

namespace tiersim::traces {

class MarkovSampler final : public SingleEnvironmentSampler {
 public:
  explicit MarkovSampler(const GeneratorSpec& spec) : SingleEnvironmentSampler(spec), p_stay_(spec.parameter("p_stay")) {}

  void begin_step(uint64_t step) override {
    if (step == 0 || env_rng_.uniform01() > p_stay_) draw_environment();
  }

 private:
  double p_stay_;
};

TIERSIM_REGISTER_SAMPLER(MarkovSampler, "markov", "environment kept with probability p_stay each step, else redrawn",
                         {{"p_stay", 0.9, 0.0, 1.0, false, "probability of keeping the environment"}, environments_parameter(),
                          env_width_parameter(), noise_parameter(), distinct_parameter()});

}  // namespace tiersim::traces
