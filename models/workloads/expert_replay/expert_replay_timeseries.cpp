// The expert replay's time series: cumulative counters every workload.timeseries_interval.
#include <cstdio>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

void ExpertReplay::begin_timeseries() {
  timeseries_ = "time_s,steps,accesses,stall_time_s";
  for (uint32_t t = 0; t < topology_.backing_tier(); ++t) {
    const std::string& n = topology_.tier(t).name();
    timeseries_ += "," + n + "_hits," + n + "_misses," + n + "_inserts," + n + "_evictions";
  }
  for (size_t l = 0; l < topology_.link_count(); ++l) {
    const std::string& n = topology_.link(l).spec().name;
    timeseries_ += "," + n + "_bytes," + n + "_busy_s";
  }
  timeseries_ += "\n";
  simulator_.schedule_after(spec_.timeseries_interval, &ExpertReplay::on_sample, this);
}

// One row of cumulative counters every interval, while steps run.
void ExpertReplay::on_sample(void* self, uint64_t) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  replay.sample_timeseries();
  if (!replay.finished_ && !replay.flushing_) {
    replay.simulator_.schedule_after(replay.spec_.timeseries_interval, &ExpertReplay::on_sample, self);
  }
}

void ExpertReplay::sample_timeseries() {
  char number[64];
  auto add = [&](double v) {
    std::snprintf(number, sizeof number, ",%.9g", v);
    timeseries_ += number;
  };
  std::snprintf(number, sizeof number, "%.9g", sim::to_seconds(simulator_.now()));
  timeseries_ += number;
  add(static_cast<double>(steps_));
  add(static_cast<double>(accesses_));
  add(sim::to_seconds(total_stall_));
  for (uint32_t t = 0; t < topology_.backing_tier(); ++t) {
    const TierStats& s = topology_.tier(t).stats();
    add(static_cast<double>(s.hits));
    add(static_cast<double>(s.misses));
    add(static_cast<double>(s.inserts));
    add(static_cast<double>(s.evictions));
  }
  for (size_t l = 0; l < topology_.link_count(); ++l) {
    const LinkStats s = topology_.link(l).stats();
    add(static_cast<double>(s.bytes));
    add(sim::to_seconds(s.busy_time));
  }
  timeseries_ += "\n";
}

}  // namespace tiersim::models
