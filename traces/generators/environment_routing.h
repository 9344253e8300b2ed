#pragma once
// How an environment routes, as in the MoE prototype's cache benchmark: each routing pick is the
// environment's base expert plus a uniform jitter in [0, env_width), modulo n_experts;
// with probability `noise` a pick is a uniformly random expert instead. Each layer adds
// its own fixed offset, so layers use different experts. The prototype's picks may repeat
// (two picks of one expert: a layer then uses one); with `distinct` 1 a repeated pick is
// drawn again, so a layer uses exactly experts_per_step experts, as top-k routing does.
#include <cstdint>
#include <vector>

#include "sim/engine/random.h"
#include "traces/generators/generator_spec.h"
#include "traces/generators/i_sampler.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

// The parameters of environment routing, declared by every sampler that routes through it.
inline SamplerParameter noise_parameter() {
  return {"noise", 0.0, 0.0, 1.0, false, "fraction of picks drawn uniformly instead"};
}
inline SamplerParameter env_width_parameter() {
  return {"env_width", 8, 1, UINT32_MAX, true, "experts an environment routes to (around its base)"};
}
inline SamplerParameter distinct_parameter() {
  return {"distinct", 0, 0, 1, true, "1: a layer's picks are distinct experts (top-k routing); 0: they may repeat (the MoE prototype)"};
}
inline SamplerParameter environments_parameter() {
  return {"n_envs", 0, 0, UINT32_MAX, true, "environments (0: as many as n_experts)"};
}
// How many environments there are: n_envs, or n_experts when it is 0.
inline uint32_t environments(const GeneratorSpec& spec) {
  const uint32_t n = spec.count("n_envs");
  return n ? n : spec.n_experts;
}

class EnvironmentRouting {
 public:
  explicit EnvironmentRouting(const GeneratorSpec& spec)
      : spec_(spec),
        noise_(spec.parameter("noise")),
        env_width_(spec.count("env_width")),
        environments_(environments(spec)),
        distinct_(spec.count("distinct") != 0) {}

  // Appends `picks` experts routed by environment whose window starts at `base`.
  void pick(uint32_t base, uint32_t layer, uint32_t picks, sim::Rng& rng, std::vector<uint32_t>& out) const {
    const uint64_t n = spec_.n_experts;
    const uint64_t start = (uint64_t{base} + layer_offset(spec_.seed, layer, spec_.n_experts)) % n;
    const size_t first = out.size();
    for (uint32_t i = 0; i < picks; ++i) {
      uint32_t expert = draw(start, rng);
      // A window narrower than the picks cannot give them all: after a few redraws the
      // next unused expert past the window's start is taken.
      for (uint32_t tries = 0; distinct_ && chosen(out, first, expert); ++tries) {
        expert = tries < 32 ? draw(start, rng) : static_cast<uint32_t>((expert + 1) % n);
      }
      out.push_back(expert);
    }
  }

  uint32_t environment_count() const { return environments_; }

  // The base expert of environment `env` when environments are laid out in order.
  uint32_t ordered_base(uint32_t env) const {
    return static_cast<uint32_t>(uint64_t{env} * spec_.n_experts / environments_);
  }

 private:
  uint32_t draw(uint64_t start, sim::Rng& rng) const {
    const uint64_t n = spec_.n_experts;
    if (noise_ > 0 && rng.uniform01() < noise_) return static_cast<uint32_t>(rng.below(n));
    return static_cast<uint32_t>((start + rng.below(env_width_)) % n);
  }
  static bool chosen(const std::vector<uint32_t>& out, size_t first, uint32_t expert) {
    for (size_t i = first; i < out.size(); ++i)
      if (out[i] == expert) return true;
    return false;
  }

  const GeneratorSpec spec_;
  const double noise_;
  const uint32_t env_width_, environments_;
  const bool distinct_;
};

// A sampler that follows one environment at a time (episode, markov): subclasses decide
// when the environment changes; every pick routes through it.
class SingleEnvironmentSampler : public Sampler {
 public:
  explicit SingleEnvironmentSampler(const GeneratorSpec& spec)
      : spec_(spec), routing_(spec), env_rng_(sim::Rng::derive(spec.seed, 1)), pick_rng_(sim::Rng::derive(spec.seed, 2)) {}

  void sample_layer(uint32_t layer, std::vector<uint32_t>& experts) final {
    experts.clear();
    routing_.pick(routing_.ordered_base(env_), layer, spec_.experts_per_step, pick_rng_, experts);
    sort_unique(experts);
  }

 protected:
  void draw_environment() { env_ = static_cast<uint32_t>(env_rng_.below(routing_.environment_count())); }

  const GeneratorSpec spec_;
  EnvironmentRouting routing_;
  sim::Rng env_rng_, pick_rng_;
  uint32_t env_ = 0;
};

}  // namespace tiersim::traces
