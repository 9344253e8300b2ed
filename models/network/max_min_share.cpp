#include "models/network/max_min_share.h"

#include <algorithm>
#include <limits>

namespace tiersim::models {

std::vector<double> max_min_rates(const std::vector<SharedFlow>& flows, const std::vector<double>& capacity) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> rate(flows.size(), 0.0);
  std::vector<bool> frozen(flows.size(), false);
  std::vector<double> left = capacity;              // capacity not yet given out
  std::vector<uint32_t> active(capacity.size(), 0);  // unfrozen flows per link
  size_t unfrozen = 0;
  for (size_t f = 0; f < flows.size(); ++f) {
    if (flows[f].links.empty()) {
      rate[f] = flows[f].cap > 0 ? flows[f].cap : inf;
      frozen[f] = true;
      continue;
    }
    ++unfrozen;
    for (uint32_t l : flows[f].links) ++active[l];
  }
  while (unfrozen > 0) {
    // The smallest raise that fills a link or meets a flow's cap.
    double step = inf;
    for (size_t l = 0; l < left.size(); ++l)
      if (active[l]) step = std::min(step, left[l] / active[l]);
    for (size_t f = 0; f < flows.size(); ++f)
      if (!frozen[f] && flows[f].cap > 0) step = std::min(step, flows[f].cap - rate[f]);
    step = std::max(step, 0.0);
    for (size_t f = 0; f < flows.size(); ++f) {
      if (frozen[f]) continue;
      rate[f] += step;
      for (uint32_t l : flows[f].links) left[l] -= step;
    }
    // Freeze the flows of every link now full (to a relative tolerance) and those at their cap.
    std::vector<bool> full(left.size(), false);
    for (size_t l = 0; l < left.size(); ++l) full[l] = active[l] && left[l] <= capacity[l] * 1e-12;
    for (size_t f = 0; f < flows.size(); ++f) {
      if (frozen[f]) continue;
      bool stop = flows[f].cap > 0 && rate[f] >= flows[f].cap * (1 - 1e-12);
      for (uint32_t l : flows[f].links) stop = stop || full[l];
      if (!stop) continue;
      frozen[f] = true;
      --unfrozen;
      for (uint32_t l : flows[f].links) --active[l];
    }
  }
  return rate;
}

}  // namespace tiersim::models
