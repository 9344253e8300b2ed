// The event core: schedule/dispatch throughput. Reported, not asserted (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include "sim/engine/random.h"
#include "sim/engine/simulator.h"

namespace {

struct Hold {
  sim::Simulator* simulator;
  sim::Rng rng{1};
  uint64_t remaining;
};

// The classic hold model: every event schedules one more at a random later time, so the
// queue keeps a constant population.
void hold(void* context, uint64_t) {
  auto* h = static_cast<Hold*>(context);
  if (h->remaining == 0) return;
  --h->remaining;
  h->simulator->schedule_after(static_cast<sim::Time>(1 + h->rng.below(1000)), hold, h);
}

void BM_ScheduleDispatch(benchmark::State& state) {
  const int64_t population = state.range(0);
  const uint64_t events = 10'000'000;
  for (auto _ : state) {
    sim::Simulator s;
    Hold h{&s, sim::Rng(1), events};
    for (int64_t i = 0; i < population; ++i) s.schedule_at(i, hold, &h);
    benchmark::DoNotOptimize(s.run());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(events + population));
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events + population), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ScheduleDispatch)->Arg(16)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
