// markov: the environment persists from step to step with probability p_stay, else a new
// one is drawn uniformly; routing as in EnvironmentRouting. Seed 001's EnvMarkovSampler.
#include "sim/engine/random.h"
#include "traces/generators/environment_routing.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

class MarkovSampler final : public Sampler {
 public:
  explicit MarkovSampler(const GeneratorSpec& spec)
      : spec_(spec), routing_(spec), env_rng_(sim::Rng::derive(spec.seed, 1)), pick_rng_(sim::Rng::derive(spec.seed, 2)) {}

  void begin_step(uint64_t step) override {
    if (step == 0 || env_rng_.uniform01() > spec_.p_stay) env_ = static_cast<uint32_t>(env_rng_.below(spec_.environments()));
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

TIERSIM_REGISTER_SAMPLER(MarkovSampler, "markov", "environment kept with probability p_stay each step, else redrawn");

}  // namespace tiersim::traces
