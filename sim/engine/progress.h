#pragma once
// How far long work has come, and whether the user asked it to stop. Inner loops (a
// replay's steps, a KV run's requests, a trace read in batches) call report() and
// check_stop(); both cost an atomic store or load. The command line reads the meters from
// another thread to print progress, and sets the stop flag from its SIGINT/SIGTERM
// handler; check_stop() then throws Interrupted, so the work unwinds and its destructors
// clean up (temporary files, locks, a real run's expert files).
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sim::progress {

// One thread's work: `done` of `total` (0: unknown) in `unit` ("steps", "requests").
struct Meter {
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> total{0};
  std::atomic<const char*> unit{nullptr};
};

// The calling thread's meter: its own unless set_meter() gave it another (a sweep gives
// each worker one it can read).
Meter& meter();
void set_meter(Meter* meter);

// Records progress on the calling thread's meter.
void report(const char* unit, uint64_t done, uint64_t total);

class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Set from a signal handler: the work should stop.
void request_stop(int signal);
int stop_signal();  // 0 until request_stop()
// Throws Interrupted once a stop was requested.
inline void check_stop() {
  if (const int s = stop_signal()) throw Interrupted(s);
}

}  // namespace sim::progress
