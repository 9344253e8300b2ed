#pragma once
// A training step on top of the residency's decisions (docs/training.md):
//  - forward through the layers, then backward in reverse order; without evict_safe the
//    backward phases only compute (every expert of the step is resident throughout); with
//    it each expert is its own phase, forward and backward, and the backward uses follow
//    the forward ones (reversed), so an expert evicted after its forward is reloaded;
//  - activations: kept for every expert's backward, except under evict_safe with
//    "recompute" (only the layer input kept, the forward recomputed) or past the budget
//    of "keep";
//  - the optimizer: on the GPU after the backward (state moving with the expert), or
//    offloaded: gradients down to host memory, [state read from NVMe,] the CPU's update,
//    [state written back,] the new weights up.
// Per step it adds the phases and chains the residency does not make, and gives each
// phase its compute time.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/workloads/expert_replay/step_plan.h"
#include "models/workloads/expert_replay/training/training_compute.h"
#include "models/workloads/expert_replay/training/training_spec.h"
#include "sim/containers/flat_map.h"
#include "sim/output/metrics.h"
#include "traces/access.h"

namespace sim {
class LogHistogram;
}

namespace tiersim::models {

class Topology;

class TrainingStep {
 public:
  TrainingStep(const TrainingSpec& spec, const Topology& topology);

  // Appends the step's backward uses (evict_safe: the forward's, reversed) and returns
  // where they start (the step's size when there are none).
  uint32_t expand(std::vector<traces::Access>& step) const;
  // Settles which experts keep their activations (before the residency decides the step)
  // and returns the HBM the step holds beside its experts at its fullest: activations, and
  // gradients as the backward makes them.
  uint64_t plan_memory(const std::vector<traces::Access>& step, uint32_t backward_from);
  // Adds the phases the residency did not plan: backward (without evict_safe) and the
  // optimizer's, and counts the step.
  void complete_plan(StepPlan& plan, const std::vector<traces::Access>& step, uint32_t backward_from);
  // The first tier's bytes in use at the end of a step, its activations and gradients
  // included: the HBM peak of a first tier sized in bytes.
  void note_gpu_resident(uint64_t bytes) { gpu_resident_peak_ = std::max(gpu_resident_peak_, bytes); }
  // The compute time of phase `p` of the plan, counted in the forward, backward and update
  // totals (once per phase).
  sim::Time phase_compute(const StepPlan& plan, uint32_t p, const std::vector<traces::Access>& step);

  // `move_latency`: the replay's latency histogram of each MoveKind.
  void add_metrics(Metrics& m, const Topology& topology, sim::Time total_step_time, sim::Time optimizer_time,
                   const sim::LogHistogram* move_latency) const;
  const TrainingSpec& spec() const { return spec_; }

 private:
  void add_offload_phases(StepPlan& plan, const std::vector<traces::Access>& step, uint32_t uses);

  TrainingSpec spec_;
  TrainingCompute compute_;
  // Links of the offloaded optimizer (kNoLink where unused).
  uint32_t down_ = UINT32_MAX, state_in_ = UINT32_MAX, state_out_ = UINT32_MAX;
  std::vector<uint32_t> up_path_;
  std::vector<uint64_t> tier_bytes_;  // optimizer bytes into or out of each tier
  std::vector<uint8_t> recompute_;    // per forward use of the current step
  uint32_t backward_from_ = 0;
  sim::FlatMap<uint8_t> seen_;        // experts updated at least once
  uint64_t tokens_ = 0, uses_ = 0, recomputed_ = 0, steps_ = 0;
  uint64_t activation_peak_ = 0;
  double activation_sum_ = 0, flops_ = 0;
  uint64_t gradient_peak_ = 0;
  uint64_t memory_peak_ = 0;  // of plan_memory()
  uint64_t gpu_resident_peak_ = 0;
  sim::Time forward_time_ = 0, backward_time_ = 0, update_time_ = 0;
};

}  // namespace tiersim::models
