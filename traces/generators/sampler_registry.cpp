#include "traces/generators/sampler_registry.h"

#include <algorithm>

#include "sim/engine/random.h"

namespace tiersim::traces {

void sort_unique(std::vector<uint32_t>& experts) {
  std::sort(experts.begin(), experts.end());
  experts.erase(std::unique(experts.begin(), experts.end()), experts.end());
}

uint32_t layer_offset(uint64_t seed, uint32_t layer, uint32_t n_experts) {
  if (layer == 0) return 0;
  return static_cast<uint32_t>(sim::mix64(seed ^ (0x51ed2701ull * (layer + 1))) % n_experts);
}

}  // namespace tiersim::traces
