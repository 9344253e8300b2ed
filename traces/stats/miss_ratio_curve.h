#pragma once
// An exact LRU miss-ratio curve from stack distances: an access with stack distance d hits
// in every LRU cache of more than d objects, so one histogram of distances gives the
// misses at every capacity (Mattson et al., 1970).
#include <cstdint>
#include <vector>

#include "traces/stats/stack_distance.h"

namespace tiersim::traces {

class MissRatioCurve {
 public:
  // Records one access.
  void access(uint64_t key) {
    ++accesses_;
    const uint64_t d = distances_.access(key);
    if (d == StackDistance::kCold) {
      ++cold_;
      return;
    }
    if (d >= histogram_.size()) histogram_.resize(d + 1 + d / 2, 0);
    ++histogram_[d];
    if (d + 1 > largest_useful_capacity_) largest_useful_capacity_ = d + 1;
  }

  uint64_t accesses() const { return accesses_; }
  uint64_t cold_misses() const { return cold_; }
  // Beyond this capacity only cold misses remain.
  uint64_t largest_useful_capacity() const { return largest_useful_capacity_; }
  // Misses of an LRU cache of `capacity` objects at every capacity 1..up_to (index 0 is
  // capacity 1).
  std::vector<uint64_t> misses_up_to(uint64_t up_to) const;

 private:
  StackDistance distances_;
  std::vector<uint64_t> histogram_;  // accesses by stack distance
  uint64_t accesses_ = 0;
  uint64_t cold_ = 0;
  uint64_t largest_useful_capacity_ = 0;
};

}  // namespace tiersim::traces
