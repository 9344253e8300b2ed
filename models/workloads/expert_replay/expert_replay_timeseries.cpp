// The expert replay's time series: cumulative counters every workload.timeseries_interval.
#include <cstdio>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "sim/engine/simulator.h"
#include "sim/errors.h"

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

// Refuses a time series past workload.timeseries_max_rows, with an estimate of its size.
// Once a tenth of the allowance or a hundredth of the steps is behind, the rows so far
// project the whole run's, so an interval far too short is refused early, not at the cap.
void ExpertReplay::check_timeseries_rows() const {
  const uint64_t total_steps = spec_.generator ? spec_.generator->steps : 0;
  const uint64_t limit = spec_.timeseries_max_rows;
  const bool projectable = total_steps > 0 && steps_ > 0 && (timeseries_rows_ >= limit / 10 || steps_ >= total_steps / 100);
  const double projected = projectable ? static_cast<double>(timeseries_rows_) * static_cast<double>(total_steps) /
                                             static_cast<double>(steps_)
                                       : 0.0;
  if (timeseries_rows_ <= limit && projected <= static_cast<double>(limit)) return;
  char estimate[160];
  if (projectable) {
    std::snprintf(estimate, sizeof estimate, "about %.3g rows for the run's %llu steps", projected,
                  static_cast<unsigned long long>(total_steps));
  } else {
    std::snprintf(estimate, sizeof estimate, "more than %llu rows after %llu steps",
                  static_cast<unsigned long long>(spec_.timeseries_max_rows), static_cast<unsigned long long>(steps_));
  }
  char interval[48];
  std::snprintf(interval, sizeof interval, "%.6g s", sim::to_seconds(spec_.timeseries_interval));
  throw InputError("workload.timeseries_interval: " + std::string(interval) + " makes " + estimate +
                   ", beyond workload.timeseries_max_rows " + std::to_string(spec_.timeseries_max_rows) +
                   "; choose a longer interval, or raise timeseries_max_rows");
}

void ExpertReplay::sample_timeseries() {
  ++timeseries_rows_;
  check_timeseries_rows();
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
