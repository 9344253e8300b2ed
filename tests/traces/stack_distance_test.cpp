#include "traces/stats/stack_distance.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "sim/engine/random.h"

TEST_CASE("stack distances match a brute-force LRU stack, across renumbering") {
  tiersim::traces::StackDistance sd;
  std::vector<uint64_t> stack;  // front = most recent
  sim::Rng rng(11);
  // More accesses than the tree's first size (65536) so renumbering happens.
  for (int i = 0; i < 150000; ++i) {
    const uint64_t key = rng.below(4) == 0 ? rng.below(120) : rng.below(12);
    const uint64_t got = sd.access(key);
    auto it = std::find(stack.begin(), stack.end(), key);
    if (it == stack.end()) {
      REQUIRE(got == tiersim::traces::StackDistance::kCold);
    } else {
      REQUIRE(got == static_cast<uint64_t>(it - stack.begin()));
      stack.erase(it);
    }
    stack.insert(stack.begin(), key);
  }
  CHECK(sd.distinct_objects() == stack.size());
}
