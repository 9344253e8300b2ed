#pragma once
// Prefetcher: predicts which experts will be needed soon, so they are staged before the
// router asks for them. A prefetcher sees the routing as it is decided (never timing) and
// appends the objects it wants, most wanted first; the workload turns them into
// background transfers within the run's budget (see models/prefetchers/prefetch_spec.h).
// Implementations live one per file beside this header and register themselves with
// TIERSIM_REGISTER_PREFETCHER.
#include <cstdint>
#include <deque>
#include <vector>

#include "traces/access.h"

namespace tiersim::models {

// One decided step: its accesses in trace order (grouped by layer).
using StepAccesses = std::vector<traces::Access>;

class Prefetcher {
 public:
  virtual ~Prefetcher() = default;

  // How many future steps the prefetcher reads (the oracle); 0 for online predictors.
  virtual uint32_t lookahead_steps() const { return 0; }

  // After a step is decided: the objects to stage for the coming steps. `future` holds
  // the next lookahead_steps() steps of the trace (fewer at its end).
  virtual void after_step(const StepAccesses& step, const std::deque<StepAccesses>& future,
                          std::vector<uint64_t>& wanted) = 0;

  // After one layer of a step is decided (accesses [begin, end)): objects to stage while
  // that layer computes. Only next-layer prediction uses it.
  virtual void after_layer(const traces::Access* begin, const traces::Access* end, std::vector<uint64_t>& wanted) {
    (void)begin;
    (void)end;
    (void)wanted;
  }
};

}  // namespace tiersim::models
