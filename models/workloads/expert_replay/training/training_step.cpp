#include "models/workloads/expert_replay/training/training_step.h"

#include <algorithm>
#include <stdexcept>

#include "models/tiers/topology.h"
#include "sim/stats/log_histogram.h"

namespace tiersim::models {

namespace {
bool offloaded(const OptimizerSpec& o) { return o.placement != OptimizerSpec::Placement::kHbm; }
}  // namespace

TrainingStep::TrainingStep(const TrainingSpec& spec, const Topology& topology)
    : spec_(spec), compute_(spec_), tier_bytes_(topology.tier_count(), 0) {
  if (!offloaded(spec_.optimizer)) return;
  down_ = topology.link_between(0, 1);
  up_path_ = topology.fetch_path(1);
  if (spec_.optimizer.placement == OptimizerSpec::Placement::kNvme) {
    state_in_ = topology.link_between(2, 1);
    state_out_ = topology.link_between(1, 2);
  }
  const bool nvme = spec_.optimizer.placement == OptimizerSpec::Placement::kNvme;
  if (down_ == kNoLink || up_path_.empty() || (nvme && (state_in_ == kNoLink || state_out_ == kNoLink))) {
    throw std::logic_error("offloaded optimizer without its links (the config check missed it)");
  }
}

uint32_t TrainingStep::expand(std::vector<traces::Access>& step) const {
  const uint32_t forward = static_cast<uint32_t>(step.size());
  if (!spec_.evict_safe.enabled) return forward;
  step.reserve(2 * step.size());
  for (uint32_t i = forward; i-- > 0;) step.push_back(step[i]);
  return forward;
}

uint64_t TrainingStep::plan_memory(const std::vector<traces::Access>& step, uint32_t backward_from) {
  const EvictSafeSpec& safe = spec_.evict_safe;
  recompute_.assign(backward_from, 0);
  // Every expert's input is held (the checkpoint its backward starts from); the budget
  // left over keeps whole activations, first come first kept.
  uint64_t held = 0;
  for (uint32_t i = 0; i < backward_from; ++i) held += compute_.activation_bytes(step[i].tokens, false);
  for (uint32_t i = 0; i < backward_from; ++i) {
    const uint32_t tokens = step[i].tokens;
    const uint64_t more = compute_.activation_bytes(tokens, true) - compute_.activation_bytes(tokens, false);
    const bool keep = !safe.enabled || (safe.keep_activations && held + more <= safe.activation_budget);
    recompute_[i] = keep ? 0 : 1;
    held += keep ? more : 0;
  }
  activation_peak_ = std::max(activation_peak_, held);
  activation_sum_ += static_cast<double>(held);
  gradient_peak_ = std::max(gradient_peak_, uint64_t{backward_from} * spec_.gradients());
  // The backward, in reverse, frees each expert's activations and holds its gradients until
  // the update: the step is fullest at the worst point of that exchange.
  uint64_t now = held, peak = held;
  for (uint32_t i = backward_from; i-- > 0;) {
    const uint32_t tokens = step[i].tokens;
    now -= compute_.activation_bytes(tokens, false) + (recompute_[i] ? 0 : compute_.activation_bytes(tokens, true) -
                                                                           compute_.activation_bytes(tokens, false));
    now += spec_.gradients();
    peak = std::max(peak, now);
  }
  memory_peak_ = std::max(memory_peak_, peak);
  return peak;
}

void TrainingStep::complete_plan(StepPlan& plan, const std::vector<traces::Access>& step, uint32_t backward_from) {
  backward_from_ = backward_from;
  const EvictSafeSpec& safe = spec_.evict_safe;
  for (uint32_t i = 0; i < backward_from; ++i) {
    recomputed_ += recompute_[i];
    tokens_ += step[i].tokens;
    flops_ += compute_.train_flops(step[i].tokens);
    seen_.find_or_insert(step[i].object, 1);
  }
  uses_ += backward_from;
  ++steps_;
  if (!safe.enabled) {
    for (uint32_t p = static_cast<uint32_t>(plan.phases.size()); p-- > 0;) {
      const PlannedPhase forward = plan.phases[p];
      plan.begin_phase(forward.layer, forward.first_access, PhaseKind::kBackward);
      plan.phases.back().end_access = forward.end_access;
    }
  }
  const uint32_t layer = step.empty() ? 0 : step.front().layer();
  plan.begin_phase(layer, 0, PhaseKind::kOptimizer);
  plan.phases.back().end_access = backward_from;
  if (offloaded(spec_.optimizer)) add_offload_phases(plan, step, backward_from);
}

void TrainingStep::add_offload_phases(StepPlan& plan, const std::vector<traces::Access>& step, uint32_t uses) {
  const bool nvme = spec_.optimizer.placement == OptimizerSpec::Placement::kNvme;
  const uint64_t grads = spec_.gradients(), state = spec_.optimizer_state(), weights = spec_.weights();
  // Into the update: gradients down, [the state read from NVMe].
  for (uint32_t i = 0; i < uses; ++i) {
    plan.begin_chain();
    plan.add_move(&down_, 1, grads, step[i].object, MoveKind::kOptimizer);
    if (nvme && state > 0) plan.add_move(&state_in_, 1, state, step[i].object, MoveKind::kOptimizer);
  }
  // Out of it: [the state written back,] the new weights up.
  plan.begin_phase(plan.phases.back().layer, 0, PhaseKind::kOptimizerUpload);
  plan.phases.back().end_access = uses;
  for (uint32_t i = 0; i < uses; ++i) {
    plan.begin_chain();
    if (nvme && state > 0) plan.add_move(&state_out_, 1, state, step[i].object, MoveKind::kOptimizer);
    plan.add_move(up_path_.data(), static_cast<uint32_t>(up_path_.size()), weights, step[i].object, MoveKind::kOptimizer);
  }
  tier_bytes_[0] += uint64_t{uses} * (grads + weights);
  tier_bytes_[1] += uint64_t{uses} * (grads + weights + (nvme ? 2 * state : 0));
  if (nvme) tier_bytes_[2] += uint64_t{uses} * 2 * state;
}

sim::Time TrainingStep::phase_compute(const StepPlan& plan, uint32_t p, const std::vector<traces::Access>& step) {
  const PlannedPhase& phase = plan.phases[p];
  sim::Time t = 0;
  switch (phase.kind) {
    case PhaseKind::kForward:
      for (uint32_t i = phase.first_access; i < phase.end_access; ++i) t = sim::saturating_add(t, compute_.forward(step[i].tokens));
      forward_time_ = sim::saturating_add(forward_time_, t);
      break;
    case PhaseKind::kBackward:
      for (uint32_t i = phase.first_access; i < phase.end_access; ++i) {
        const uint32_t forward = i < backward_from_ ? i : 2 * backward_from_ - 1 - i;
        t = sim::saturating_add(t, compute_.backward(step[i].tokens, recompute_[forward] != 0));
      }
      backward_time_ = sim::saturating_add(backward_time_, t);
      break;
    case PhaseKind::kOptimizer: {
      const sim::Time each = offloaded(spec_.optimizer) ? compute_.cpu_update() : compute_.gpu_update();
      for (uint32_t i = phase.first_access; i < phase.end_access; ++i) t = sim::saturating_add(t, each);
      update_time_ = sim::saturating_add(update_time_, t);
      break;
    }
    case PhaseKind::kOptimizerUpload:
      break;
  }
  return t;
}

void TrainingStep::add_metrics(Metrics& m, const Topology& topology, sim::Time total_step_time, sim::Time optimizer_time,
                               const sim::LogHistogram* move_latency) const {
  const OptimizerSpec& o = spec_.optimizer;
  m.add("train_batch_size", uint64_t{spec_.batch_size});
  m.add("train_envs_per_batch", uint64_t{spec_.envs_per_batch});
  m.add("train_tokens", tokens_);
  m.add("train_expert_uses", uses_);
  m.add("train_unique_experts_per_step", steps_ ? double(uses_) / double(steps_) : 0.0);
  m.add("train_flops", flops_);
  m.add("sort_by_expert", spec_.sort_by_expert ? "true" : "false");
  m.add("forward_compute_s", sim::to_seconds(forward_time_));
  m.add("backward_compute_s", sim::to_seconds(backward_time_));
  m.add("optimizer", optimizer_name(o.kind));
  m.add("optimizer_placement", placement_name(o.placement));
  m.add("optimizer_state_bytes_per_expert", spec_.optimizer_state());
  m.add("optimizer_state_footprint_bytes", uint64_t{seen_.size()} * spec_.optimizer_state());
  m.add("optimizer_update_s", sim::to_seconds(update_time_));
  m.add("optimizer_time_s", sim::to_seconds(optimizer_time));
  m.add("optimizer_share", total_step_time ? double(optimizer_time) / double(total_step_time) : 0.0);
  for (uint32_t t = 0; t < topology.tier_count(); ++t) m.add("optimizer_" + topology.tier(t).name() + "_bytes", tier_bytes_[t]);
  m.add("gradient_bytes", uses_ * spec_.gradients());
  m.add("gradient_bytes_peak", gradient_peak_);
  // Activations and gradients (computed on the GPU whatever the placement) count against
  // HBM: beside the slots of a first tier sized in experts, inside one sized in bytes.
  const Capacity& first = topology.tier(0).resident().capacity();
  const uint64_t slots = first.objects;
  uint64_t gpu_peak = gpu_resident_peak_;
  if (first.bytes == UINT64_MAX) {
    const unsigned __int128 peak = static_cast<unsigned __int128>(slots) * spec_.object_bytes() + memory_peak_;
    gpu_peak = peak > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(peak);
  }
  m.add("step_memory_peak_bytes", memory_peak_);
  m.add("gpu_memory_peak_bytes", gpu_peak);
  m.add("gpu_memory_fits", gpu_peak <= spec_.gpu.hbm_bytes ? "true" : "false");
  m.add("activation_bytes_peak", activation_peak_);
  m.add("activation_bytes_mean", steps_ ? activation_sum_ / double(steps_) : 0.0);
  m.add("evict_safe", spec_.evict_safe.enabled ? (spec_.evict_safe.keep_activations ? "keep" : "recompute") : "off");
  m.add("recomputed_experts", recomputed_);
  const sim::LogHistogram& reloads = move_latency[static_cast<uint32_t>(MoveKind::kReload)];
  m.add("reloads", reloads.count());
  m.add("reload_bytes", reloads.count() * spec_.object_bytes());
  m.add("reload_time_s", static_cast<double>(reloads.sum()) / 1e12);
}

}  // namespace tiersim::models
