#include "sim/engine/simulator.h"

#include <boost/heap/d_ary_heap.hpp>
#include <stdexcept>

namespace sim {

namespace {

struct Event {
  Time time;
  uint64_t sequence;
  EventFn fn;
  void* context;
  uint64_t argument;
};

// Boost's heaps are max-heaps: "less" here means "runs later".
struct RunsLater {
  bool operator()(const Event& a, const Event& b) const {
    return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
  }
};

}  // namespace

// A 4-ary heap: shallower than a binary heap and cache-friendlier; no handles are kept
// because nothing is cancelled in place (models that re-plan ignore stale events instead).
class Simulator::EventQueue
    : public boost::heap::d_ary_heap<Event, boost::heap::arity<4>, boost::heap::compare<RunsLater>> {};

Simulator::Simulator() : queue_(std::make_unique<EventQueue>()) {}
Simulator::~Simulator() = default;

void Simulator::schedule_at(Time at, EventFn fn, void* context, uint64_t argument) {
  if (at < now_) throw std::logic_error("event scheduled in the past");
  if (at >= kEndOfTime) throw TimeOverflow();
  queue_->push(Event{at, next_sequence_++, fn, context, argument});
}

uint64_t Simulator::run() { return run_until(INT64_MAX); }

uint64_t Simulator::run_until(Time limit) {
  uint64_t ran = 0;
  while (!queue_->empty()) {
    const Event event = queue_->top();
    if (event.time > limit) break;
    queue_->pop();
    now_ = event.time;
    ++ran;
    event.fn(event.context, event.argument);
  }
  events_processed_ += ran;
  return ran;
}

uint64_t Simulator::events_pending() const { return queue_->size(); }

Time Simulator::next_event_time() const { return queue_->empty() ? kEndOfTime : queue_->top().time; }

}  // namespace sim
