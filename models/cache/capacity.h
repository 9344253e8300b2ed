#pragma once
// A cache's limits; either may be unlimited.
#include <cstdint>

namespace tiersim::models {

struct Capacity {
  uint64_t objects = UINT64_MAX;
  uint64_t bytes = UINT64_MAX;
};

}  // namespace tiersim::models
