#include "sim/engine/simulator.h"

#include <doctest/doctest.h>

#include <vector>

namespace {
struct Log {
  sim::Simulator* simulator;
  std::vector<std::pair<sim::Time, uint64_t>> seen;
};
void record(void* context, uint64_t argument) {
  auto* log = static_cast<Log*>(context);
  log->seen.emplace_back(log->simulator->now(), argument);
}
}  // namespace

TEST_CASE("events run in time order, and equal times in scheduling order") {
  sim::Simulator s;
  Log log{&s, {}};
  s.schedule_at(30, record, &log, 1);
  s.schedule_at(10, record, &log, 2);
  s.schedule_at(30, record, &log, 3);
  s.schedule_at(10, record, &log, 4);
  s.schedule_at(20, record, &log, 5);
  CHECK(s.run() == 5);
  const std::vector<std::pair<sim::Time, uint64_t>> expected{{10, 2}, {10, 4}, {20, 5}, {30, 1}, {30, 3}};
  CHECK(log.seen == expected);
  CHECK(s.now() == 30);
  CHECK(s.events_processed() == 5);
}

TEST_CASE("run_until stops before later events and can resume") {
  sim::Simulator s;
  Log log{&s, {}};
  for (int i = 1; i <= 5; ++i) s.schedule_at(i * 100, record, &log, i);
  CHECK(s.run_until(250) == 2);
  CHECK(s.events_pending() == 3);
  CHECK(s.run() == 3);
  CHECK(log.seen.back().second == 5);
}

namespace {
struct Chain {
  sim::Simulator* simulator;
  int remaining;
};
void reschedule(void* context, uint64_t) {
  auto* c = static_cast<Chain*>(context);
  if (--c->remaining > 0) c->simulator->schedule_after(7, reschedule, c);
}
}  // namespace

TEST_CASE("handlers may schedule more events; scheduling in the past is refused") {
  sim::Simulator s;
  Chain c{&s, 1000};
  s.schedule_at(0, reschedule, &c);
  CHECK(s.run() == 1000);
  CHECK(s.now() == 999 * 7);
  CHECK_THROWS(s.schedule_at(5, reschedule, &c));
}
