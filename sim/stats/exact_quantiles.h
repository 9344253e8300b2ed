#pragma once
// Exact statistics of a list of times (per-request TTFT, TPOT...), for lists small enough
// to keep whole: nearest-rank quantiles of the sorted values, and the mean.
#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/engine/time.h"

namespace sim {

// Nearest-rank quantile q in [0, 1] of ascending `sorted`; 0 when empty.
inline Time nearest_rank(const std::vector<Time>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

inline double mean_of(const std::vector<Time>& values) {
  long double sum = 0;
  for (Time t : values) sum += t;
  return values.empty() ? 0.0 : static_cast<double>(sum / values.size());
}

}  // namespace sim
