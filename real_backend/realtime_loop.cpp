#include "real_backend/realtime_loop.h"

#include <thread>
#include <vector>

#include "real_backend/clock.h"
#include "real_backend/executor.h"
#include "real_backend/real_link.h"
#include "sim/engine/simulator.h"

namespace tiersim::real {

void run_on_wall_clock(sim::Simulator& simulator, const RunClock& clock, CompletionQueue& completions,
                       const std::function<uint64_t()>& copies_in_flight) {
  using std::chrono::steady_clock;
  // A condition-variable wait wakes up tens of microseconds late; the last stretch before
  // a timed event is spun (yielding) so that compute lasts what it should.
  constexpr auto kSpin = std::chrono::microseconds(300);
  std::vector<Completion> done;
  auto deliver = [&] {
    for (const Completion& c : done) static_cast<RealLink*>(c.owner)->complete(c);
    done.clear();
  };
  for (;;) {
    completions.take(done);
    deliver();
    simulator.run_until(clock.now());
    if (simulator.events_pending() == 0 && copies_in_flight() == 0) {
      completions.take(done);
      if (done.empty()) return;
      deliver();
      continue;
    }
    const bool timed = simulator.events_pending() > 0;
    const steady_clock::time_point due = timed ? clock.to_wall(simulator.next_event_time()) : steady_clock::now() + std::chrono::seconds(1);
    if (due - steady_clock::now() > kSpin) {
      completions.wait_until(due - kSpin, done);
      deliver();
      continue;
    }
    while (steady_clock::now() < due) {
      completions.take(done);
      if (!done.empty()) break;
      std::this_thread::yield();
    }
    deliver();
  }
}

}  // namespace tiersim::real
