#pragma once
// Max-min fair rates for flows that share capacitated links (progressive filling): every
// unfrozen flow's rate grows at the same pace until some link it crosses is full; the flows
// through that link freeze at the rate reached; the rest go on. The result is the unique
// max-min fair allocation: no flow can get more without taking from one that has no more.
// A flow may carry a cap of its own (the rate it asks for; 0 = none).
#include <cstdint>
#include <vector>

namespace tiersim::models {

struct SharedFlow {
  std::vector<uint32_t> links;  // the links it crosses (indices into the capacities)
  double cap = 0;               // its own limit, bytes/s (0: none)
};

// Rates in bytes/s, one per flow; `capacity` in bytes/s per link. A flow with no links gets
// its cap (infinity without one).
std::vector<double> max_min_rates(const std::vector<SharedFlow>& flows, const std::vector<double>& capacity);

}  // namespace tiersim::models
