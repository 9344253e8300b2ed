// The feedback throttle of online prefetchers: its level follows the prefetches' outcome.
#include <doctest/doctest.h>

#include "models/prefetchers/prefetch_throttle.h"

using tiersim::models::PrefetchThrottle;

namespace {

// Runs `windows` windows of 8 steps, each adding the given outcomes to the counts.
struct Counts {
  uint64_t timely = 0, late = 0, polluted = 0, wasted = 0;
};
void run(PrefetchThrottle& throttle, Counts& c, uint32_t windows, Counts per_window) {
  for (uint32_t w = 0; w < windows; ++w) {
    c.timely += per_window.timely, c.late += per_window.late, c.polluted += per_window.polluted, c.wasted += per_window.wasted;
    for (int s = 0; s < 8; ++s) throttle.end_step(c.timely, c.late, c.polluted, c.wasted);
  }
}

}  // namespace

TEST_CASE("timely prefetches raise the level to all picks; costly ones lower it to none") {
  PrefetchThrottle throttle;
  Counts c;
  CHECK(throttle.allowed(16) == 2);  // starts at an eighth
  run(throttle, c, 4, {10, 0, 1, 1});
  CHECK(throttle.level() == 4);
  CHECK(throttle.allowed(16) == 16);
  run(throttle, c, 4, {2, 2, 3, 2});
  CHECK(throttle.level() == 0);
  CHECK(throttle.allowed(16) == 0);
  CHECK(throttle.allowed(0) == 0);
}

TEST_CASE("a throttled-off prefetcher is probed again and let back in when its guesses improve") {
  PrefetchThrottle throttle(8, 4);
  Counts c;
  run(throttle, c, 2, {0, 0, 5, 5});
  CHECK(throttle.level() == 0);
  run(throttle, c, 3, {0, 0, 0, 0});  // the fourth window at level 0 starts a probe
  CHECK(throttle.allowed(16) == 2);
  run(throttle, c, 1, {6, 0, 0, 1});
  CHECK(throttle.level() == 1);
}

TEST_CASE("between twice and once the cost the level holds") {
  PrefetchThrottle throttle;
  Counts c;
  run(throttle, c, 3, {3, 0, 1, 1});
  CHECK(throttle.level() == 1);
  CHECK(throttle.mean_level() == doctest::Approx(1.0));
}
