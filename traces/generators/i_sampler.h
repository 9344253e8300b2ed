#pragma once
// Sampler: a synthetic router. For each step it picks, per layer, the experts that step
// routes to. Implementations live one per file beside this header and register with
// TIERSIM_REGISTER_SAMPLER; `tiersim list samplers` prints them.
#include <cstdint>
#include <vector>

namespace tiersim::traces {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // Called once per step before its layers.
  virtual void begin_step(uint64_t step) = 0;
  // Writes the experts of `layer` for the current step: distinct and sorted ascending.
  virtual void sample_layer(uint32_t layer, std::vector<uint32_t>& experts) = 0;
};

}  // namespace tiersim::traces
