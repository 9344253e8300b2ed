#include "sim/engine/progress.h"

#include <csignal>

namespace sim::progress {

namespace {

std::atomic<int> requested{0};
static_assert(std::atomic<int>::is_always_lock_free, "set from a signal handler");

thread_local Meter own_meter;
thread_local Meter* current = nullptr;

}  // namespace

Meter& meter() { return current ? *current : own_meter; }

void set_meter(Meter* m) { current = m; }

void report(const char* unit, uint64_t done, uint64_t total) {
  Meter& m = meter();
  m.total.store(total, std::memory_order_relaxed);
  m.done.store(done, std::memory_order_relaxed);
  m.unit.store(unit, std::memory_order_release);
}

Interrupted::Interrupted(int signal)
    : std::runtime_error(signal == SIGTERM ? "stopped by SIGTERM" : "interrupted (SIGINT)"), signal_(signal) {}

void request_stop(int signal) { requested.store(signal, std::memory_order_relaxed); }

int stop_signal() { return requested.load(std::memory_order_relaxed); }

}  // namespace sim::progress
