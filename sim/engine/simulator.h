#pragma once
// The discrete-event engine: a clock and a queue of events ordered by (time, insertion
// sequence), so that events due at the same time run in the order they were scheduled.
#include <cstdint>
#include <memory>

#include "sim/engine/event_queue.h"
#include "sim/engine/time.h"

namespace sim {

// An event handler (EventFn): a plain function and its context, so dispatch costs one
// indirect call.

class Simulator {
 public:
  Simulator();
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Time now() const { return now_; }

  // Schedules `fn(context, argument)` at absolute time `at` (never earlier than now()).
  // Throws TimeOverflow at or past kEndOfTime. The id cancels it.
  EventId schedule_at(Time at, EventFn fn, void* context, uint64_t argument = 0);
  EventId schedule_after(Time delay, EventFn fn, void* context, uint64_t argument = 0) {
    return schedule_at(saturating_add(now_, delay), fn, context, argument);
  }
  // Cancels a pending event (it never runs, nor counts); false if it ran or was cancelled.
  bool cancel(EventId id);

  // Runs events until the queue is empty; returns how many ran.
  uint64_t run();
  // Runs events due at or before `limit`; the clock stops at the last event run.
  uint64_t run_until(Time limit);

  uint64_t events_processed() const { return events_processed_; }
  uint64_t events_pending() const;
  // When the earliest pending event is due (kEndOfTime if none).
  Time next_event_time() const;

 private:
  std::unique_ptr<EventQueue> queue_;
  Time now_ = 0;
  uint64_t events_processed_ = 0;
};

}  // namespace sim
