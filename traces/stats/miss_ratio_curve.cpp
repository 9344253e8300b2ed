#include "traces/stats/miss_ratio_curve.h"

namespace tiersim::traces {

std::vector<uint64_t> MissRatioCurve::misses_up_to(uint64_t up_to) const {
  // misses(C) = cold + #{d >= C}: accumulate the histogram from the top down.
  uint64_t total_reuses = accesses_ - cold_;
  std::vector<uint64_t> misses(up_to);
  uint64_t hits = 0;  // accesses with d < C
  for (uint64_t c = 1; c <= up_to; ++c) {
    if (c - 1 < histogram_.size()) hits += histogram_[c - 1];
    misses[c - 1] = cold_ + (total_reuses - hits);
  }
  return misses;
}

}  // namespace tiersim::traces
