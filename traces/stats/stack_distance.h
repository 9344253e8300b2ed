#pragma once
// Exact LRU stack (reuse) distances: for each access, how many distinct other objects
// were accessed since the previous access to the same object (0 = immediate reuse).
// A Fenwick tree marks each object's last access time; times are renumbered when the
// tree fills, so memory is proportional to the number of distinct objects, not to the
// trace length, and each access costs O(log objects) amortized.
#include <cstdint>
#include <vector>

#include "sim/containers/flat_map.h"

namespace tiersim::traces {

class StackDistance {
 public:
  static constexpr uint64_t kCold = UINT64_MAX;  // first access to an object

  uint64_t access(uint64_t key);
  uint64_t distinct_objects() const { return last_.size(); }

 private:
  void add(uint64_t index, int delta);
  uint64_t prefix(uint64_t index) const;  // ones at [0, index]
  void compact();

  sim::FlatMap<uint64_t> last_;  // object -> time of its last access
  std::vector<int32_t> tree_;     // Fenwick tree, 1-based inside
  uint64_t now_ = 0;
};

}  // namespace tiersim::traces
