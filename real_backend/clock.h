#pragma once
// Wall-clock time of a real run, in the simulator's unit (picoseconds) from the run's
// start, so real completions can be placed on the simulated timeline.
#include <chrono>

#include "sim/engine/time.h"

namespace tiersim::real {

class RunClock {
 public:
  RunClock() : start_(std::chrono::steady_clock::now()) {}
  sim::Time now() const { return to_time(std::chrono::steady_clock::now()); }
  sim::Time to_time(std::chrono::steady_clock::time_point at) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at - start_).count() * sim::Time{1000};
  }
  std::chrono::steady_clock::time_point to_wall(sim::Time at) const {
    return start_ + std::chrono::nanoseconds(at / 1000);
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tiersim::real
