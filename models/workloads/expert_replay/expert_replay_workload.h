#pragma once
// The expert replay as a registered workload ("workload.type": "expert_replay"): its
// parsed spec, which simulates itself (models/workloads/i_workload.h). The real backend
// reads the spec to carry the same replay out with real transfers.
#include "models/workloads/expert_replay/expert_replay_spec.h"
#include "models/workloads/i_workload.h"

namespace tiersim::models {

class Topology;

class ExpertReplayWorkload final : public WorkloadSpec {
 public:
  explicit ExpertReplayWorkload(ExpertReplaySpec spec) : spec_(std::move(spec)) {}
  const ExpertReplaySpec& spec() const { return spec_; }
  WorkloadRun simulate(const TopologySpec& topology, const std::string& name) const override;

 private:
  ExpertReplaySpec spec_;
};

// The workload's columns that come before the replay's own (mode, overlap, expert size).
void add_expert_replay_columns(const ExpertReplaySpec& spec, Metrics& row);

// The summary `tiersim run` prints for an expert replay.
// `row` holds the run's columns, `wall_seconds` and `events` its speed.
void print_expert_replay_summary(const std::string& name, const TopologySpec& topology, const ExpertReplaySpec& spec,
                                 const Metrics& row, double wall_seconds, uint64_t events, const std::string& out_dir);

}  // namespace tiersim::models
