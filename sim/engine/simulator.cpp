#include "sim/engine/simulator.h"

#include <stdexcept>

namespace sim {

Simulator::Simulator() : queue_(std::make_unique<EventQueue>()) {}
Simulator::~Simulator() = default;

EventId Simulator::schedule_at(Time at, EventFn fn, void* context, uint64_t argument) {
  if (at < now_) throw std::logic_error("event scheduled in the past");
  if (at >= kEndOfTime) throw TimeOverflow();
  return queue_->push(at, fn, context, argument);
}

bool Simulator::cancel(EventId id) { return queue_->cancel(id); }

uint64_t Simulator::run() { return run_until(INT64_MAX); }

uint64_t Simulator::run_until(Time limit) {
  uint64_t ran = 0;
  EventQueue::Due event;
  while (queue_->pop(limit, event)) {
    now_ = event.time;
    ++ran;
    event.fn(event.context, event.argument);
  }
  events_processed_ += ran;
  return ran;
}

uint64_t Simulator::events_pending() const { return queue_->size(); }

Time Simulator::next_event_time() const { return queue_->next_time(); }

}  // namespace sim
