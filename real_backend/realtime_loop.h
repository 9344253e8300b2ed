#pragma once
// Runs a simulation on the wall clock: an event due at time t runs when the run's clock
// reaches t (compute is waited out), and a real copy's completion becomes an event at the
// moment its bytes arrived. Returns when no event is pending and no copy is in flight.
#include <cstdint>
#include <functional>

namespace sim {
class Simulator;
}

namespace tiersim::real {

class CompletionQueue;
class RunClock;

void run_on_wall_clock(sim::Simulator& simulator, const RunClock& clock, CompletionQueue& completions,
                       const std::function<uint64_t()>& copies_in_flight);

}  // namespace tiersim::real
