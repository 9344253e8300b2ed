#pragma once
// How an environment routes, as in seed 001's cache benchmark: each routing pick is the
// environment's base expert plus a uniform jitter in [0, env_width), modulo n_experts;
// with probability `noise` a pick is a uniformly random expert instead. Each layer adds
// its own fixed offset, so layers use different experts.
#include <cstdint>
#include <vector>

#include "sim/engine/random.h"
#include "traces/generators/generator_spec.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

class EnvironmentRouting {
 public:
  explicit EnvironmentRouting(const GeneratorSpec& spec) : spec_(spec) {}

  // Appends `picks` experts routed by environment whose window starts at `base`.
  void pick(uint32_t base, uint32_t layer, uint32_t picks, sim::Rng& rng, std::vector<uint32_t>& out) const {
    const uint64_t n = spec_.n_experts;
    const uint64_t start = (uint64_t{base} + layer_offset(spec_.seed, layer, spec_.n_experts)) % n;
    for (uint32_t i = 0; i < picks; ++i) {
      if (spec_.noise > 0 && rng.uniform01() < spec_.noise) {
        out.push_back(static_cast<uint32_t>(rng.below(n)));
      } else {
        out.push_back(static_cast<uint32_t>((start + rng.below(spec_.env_width)) % n));
      }
    }
  }

  // The base expert of environment `env` when environments are laid out in order.
  uint32_t ordered_base(uint32_t env) const {
    return static_cast<uint32_t>(uint64_t{env} * spec_.n_experts / spec_.environments());
  }

 private:
  const GeneratorSpec spec_;
};

}  // namespace tiersim::traces
