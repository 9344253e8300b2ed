#include "models/workloads/expert_replay/expert_replay.h"

#include <algorithm>

#include "models/tiers/store_metrics.h"
#include "models/tiers/topology.h"
#include "sim/errors.h"
#include "sim/engine/progress.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

namespace {
constexpr size_t kBatchAccesses = 1 << 11;  // 64 KiB: small runs stay cheap to set up
}

ExpertReplay::ExpertReplay(sim::Simulator& simulator, Topology& topology, const ExpertReplaySpec& spec,
                           traces::TraceReader& trace)
    : simulator_(simulator),
      topology_(topology),
      spec_(spec),
      trace_(trace),
      // An offloaded optimizer keeps the updated master on the host: the GPU copy stays clean.
      residency_(topology, spec.expert_bytes,
                 spec.mode == ExpertReplaySpec::Mode::kTraining &&
                     (!spec.training || spec.training->optimizer.placement == OptimizerSpec::Placement::kHbm)),
      training_(spec.mode == ExpertReplaySpec::Mode::kTraining),
      pipelined_(spec.overlap == ExpertReplaySpec::Overlap::kPipelined),
      batch_(kBatchAccesses),
      source_(trace.source()) {
  dirty_at_end_.assign(topology_.tier_count(), 0);
  flush_objects_.assign(topology_.link_count(), 0);
  residency_.set_check_invariants(spec_.check_invariants);
  residency_.set_protect_step(spec_.protect_step);
  if (spec_.training) {
    training_step_ = std::make_unique<TrainingStep>(*spec_.training, topology_);
    residency_.set_evict_safe(spec_.training->evict_safe.enabled);
    const RoutingSpec& routing = spec_.training->routing;
    if (routing.cache_aware) {
      const uint32_t experts = routing.n_experts ? routing.n_experts : spec_.generator ? spec_.generator->n_experts : 0;
      if (experts == 0 && !trace_.gives_candidates()) {
        throw InputError(source_ + ": cache-aware routing needs candidates: a routing trace (csv with a candidates column) or "
                         "workload.training.routing.n_experts, the experts the score model draws them from");
      }
      router_ = std::make_unique<CacheAwareRouter>(routing, experts, spec_.seed);
    }
  }
  if (spec_.warm_tier.enabled) {
    warm_ = std::make_unique<WarmTier>(spec_.warm_tier, topology_, spec_.seed);
    residency_.set_warm_tier(warm_.get());
  }
  if (spec_.prefetch.make) prefetcher_ = spec_.prefetch.make();
  if (prefetcher_) {
    if (!spec_.prefetch.target.empty()) {
      const uint32_t t = topology_.tier_index(spec_.prefetch.target);
      if (t == UINT32_MAX || t >= topology_.backing_tier()) {
        throw InputError(spec_.prefetch.target_path + ": prefetch target \"" + spec_.prefetch.target +
                         "\" is not a cache tier; expected one of the tiers above the backing store");
      }
      prefetch_target_ = t;
    }
    residency_.set_layer_hook([this](StepPlan& plan) { plan_prefetch_after_layer(plan); });
    if (spec_.prefetch.feedback_throttle && prefetcher_->lookahead_steps() == 0) throttle_.emplace();
  }
}

void ExpertReplay::run() {
  if (spec_.timeseries_interval > 0) begin_timeseries();
  pump();
  if (event_loop_) {
    event_loop_();
  } else {
    simulator_.run();
  }
  if (!finished_) throw std::logic_error("expert replay stopped before the end of the trace");
}

bool ExpertReplay::read_step(StepAccesses& step) {
  step.clear();
  for (;;) {
    if (batch_position_ == batch_size_) {
      batch_size_ = trace_.read(batch_.data(), batch_.size());
      batch_position_ = 0;
      if (batch_size_ == 0) break;
    }
    const traces::Access& a = batch_[batch_position_];
    if (!step.empty() && a.step != step.front().step) break;
    step.push_back(a);
    ++batch_position_;
  }
  return !step.empty();
}

bool ExpertReplay::load_step() {
  const size_t wanted = 1 + (prefetcher_ ? prefetcher_->lookahead_steps() : 0);
  // Step buffers are recycled, so reading steps allocates nothing once warmed up.
  while (upcoming_.size() < wanted) {
    StepAccesses step;
    if (!spare_steps_.empty()) {
      step = std::move(spare_steps_.back());
      spare_steps_.pop_back();
    }
    if (!read_step(step)) {
      spare_steps_.push_back(std::move(step));
      break;
    }
    upcoming_.push_back(std::move(step));
  }
  if (upcoming_.empty()) return false;
  spare_steps_.push_back(std::move(step_accesses_));
  step_accesses_ = std::move(upcoming_.front());
  upcoming_.pop_front();
  return true;
}

// ---------------------------------------------------------------- prefetching

void ExpertReplay::plan_prefetch_after_step() {
  wanted_.clear();
  const bool backward = backward_from_ < step_accesses_.size();
  if (backward) forward_scratch_.assign(step_accesses_.begin(), step_accesses_.begin() + backward_from_);
  prefetcher_->after_step(backward ? forward_scratch_ : step_accesses_, upcoming_, wanted_);
  // A prefetcher that reads the coming steps evicts nothing they need: what it brings is
  // needed in them too, so it never trades an object needed sooner for one needed later.
  const std::vector<uint64_t>* keep = nullptr;
  if (prefetcher_->lookahead_steps() > 0) {
    needed_soon_.clear();
    for (const StepAccesses& step : upcoming_)
      for (const traces::Access& a : step) needed_soon_.push_back(a.object);
    keep = &needed_soon_;
  }
  prefetch_budget_left_ -= residency_.plan_prefetch(wanted_, prefetch_target_, throttled_budget(), plan_, keep);
}

uint64_t ExpertReplay::throttled_budget() const {
  if (!throttle_) return prefetch_budget_left_;
  const unsigned __int128 cap = static_cast<unsigned __int128>(throttle_->allowed(wanted_.size())) * spec_.expert_bytes;
  return cap < prefetch_budget_left_ ? static_cast<uint64_t>(cap) : prefetch_budget_left_;
}

void ExpertReplay::plan_prefetch_after_layer(StepPlan& plan) {
  const PlannedPhase& layer = plan.phases.back();
  wanted_.clear();
  prefetcher_->after_layer(step_accesses_.data() + layer.first_access, step_accesses_.data() + layer.end_access, wanted_);
  if (wanted_.empty()) return;
  prefetch_budget_left_ -= residency_.plan_prefetch(wanted_, prefetch_target_, throttled_budget(), plan);
}

// ---------------------------------------------------------------- executing plans

void ExpertReplay::begin_plan() {
  chains_.assign(plan_.chains.size(), ChainProgress{});
  phases_.assign(plan_.phases.size(), PhaseProgress{0, 0, false, false});
  plan_start_ = simulator_.now();
  const uint32_t phases = static_cast<uint32_t>(plan_.phases.size());
  if (training_step_ && !flushing_) {
    phase_compute_.resize(phases);
    plan_compute_ = 0;
    for (uint32_t p = 0; p < phases; ++p) {
      phase_compute_[p] = training_step_->phase_compute(plan_, p, step_accesses_);
      plan_compute_ = sim::saturating_add(plan_compute_, phase_compute_[p]);
    }
  } else if (!spec_.roofline || flushing_) {  // one hand-set figure for every layer
    const sim::Time each = flushing_ ? 0 : spec_.compute_per_layer;
    phase_compute_.assign(phases, each);
    plan_compute_ = each * static_cast<sim::Time>(phases);
  } else {
    phase_compute_.resize(phases);
    plan_compute_ = 0;
    for (uint32_t p = 0; p < phases; ++p) {
      phase_compute_[p] = layer_compute(p);
      plan_compute_ = sim::saturating_add(plan_compute_, phase_compute_[p]);
    }
  }
  next_compute_ = 0;
  computing_ = false;
  plan_active_ = true;
}

void ExpertReplay::end_plan() {
  plan_active_ = false;
  if (flushing_) {
    flush_end_ = simulator_.now();
    finished_ = true;
    return;
  }
  const sim::Time step_time = simulator_.now() - plan_start_;
  const sim::Time compute = plan_compute_;
  const sim::Time stall = step_time - compute;
  last_step_time_ = step_time;
  if (optimizer_started_ >= 0) {
    optimizer_time_ += simulator_.now() - optimizer_started_;
    optimizer_started_ = -1;
  }
  ++steps_;
  sim::progress::report("steps", steps_, spec_.generator ? spec_.generator->steps : 0);
  sim::progress::check_stop();
  total_step_time_ += step_time;
  total_compute_ += compute;
  total_stall_ += stall;
  step_time_.record(static_cast<uint64_t>(step_time));
  step_stall_.record(static_cast<uint64_t>(stall));
  if (throttle_) {
    const Residency::PrefetchCounts& p = residency_.prefetch_counts();
    throttle_->end_step(p.used - prefetch_late_, prefetch_late_, p.polluted, p.wasted);
  }
}

void ExpertReplay::pump() {
  if (pumping_) return;  // the running loop below sees the new state
  pumping_ = true;
  while (!finished_) {
    if (!plan_active_) {
      if (load_step()) {
        if (prefetcher_) {
          prefetch_budget_left_ = spec_.prefetch.budget_per_step;
          if (spec_.prefetch.bandwidth_Bps > 0) {
            const double bytes = static_cast<double>(spec_.prefetch.bandwidth_Bps) * sim::to_seconds(last_step_time_);
            prefetch_budget_left_ = std::min<uint64_t>(prefetch_budget_left_, static_cast<uint64_t>(bytes));
          }
        }
        if (training_step_) {
          plan_training_step();
        } else {
          residency_.plan_step(step_accesses_, plan_, source_);
          accesses_ += step_accesses_.size();
        }
        if (prefetcher_) plan_prefetch_after_step();
        begin_plan();
        continue;
      }
      // End of the trace: keep the step figures, then flush what is dirty.
      steps_end_ = simulator_.now();
      link_stats_.clear();
      for (size_t i = 0; i < topology_.link_count(); ++i) link_stats_.push_back(topology_.link(i).stats());
      codec_totals_ = codec_totals(topology_);
      flush_end_ = steps_end_;
      if (!training_) {
        finished_ = true;
        break;
      }
      residency_.plan_flush(plan_, dirty_at_end_);
      for (const PlannedMove& move : plan_.moves)
        for (uint32_t h = 0; h < move.hops; ++h) ++flush_objects_[plan_.links[move.first_link + h]];
      flushing_ = true;
      begin_plan();
      continue;
    }
    if (computing_) break;  // on_compute_done() resumes
    if (next_compute_ == phases_.size()) {
      end_plan();
      continue;
    }
    PhaseProgress& phase = phases_[next_compute_];
    if (optimizer_started_ < 0 && !flushing_ && plan_.phases[next_compute_].kind == PhaseKind::kOptimizer) {
      optimizer_started_ = simulator_.now();
    }
    if (!phase.issued) issue_phase(next_compute_);
    if (!phase.ready) break;  // a chain's last move resumes
    // This layer's experts are in place: compute it, and (pipelined) start loading the next.
    if (concurrent_chains() && next_compute_ + 1 < phases_.size() && !phases_[next_compute_ + 1].issued) {
      issue_phase(next_compute_ + 1);
    }
    const PhaseKind kind = plan_.phases[next_compute_].kind;
    if (!flushing_ && observer_ && (kind == PhaseKind::kForward || kind == PhaseKind::kBackward)) {
      const PlannedPhase& layer = plan_.phases[next_compute_];
      const bool update = training_ && (training_step_ ? kind == PhaseKind::kBackward : true);
      observer_->on_compute(step_accesses_.data() + layer.first_access, step_accesses_.data() + layer.end_access, update,
                            phase_compute_[next_compute_]);
    }
    if (phase_compute_[next_compute_] > 0) {
      computing_ = true;
      simulator_.schedule_after(merged_compute(), &ExpertReplay::on_compute_done, this);
      break;
    }
    ++next_compute_;
  }
  pumping_ = false;
}

// A training step: routed (cache-aware), its backward uses appended (evict-safe), decided,
// then given its backward and optimizer phases.
void ExpertReplay::plan_training_step() {
  if (router_) {
    const ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
    router_->route(
        step_accesses_, [&hot](uint64_t object) { return hot.find(object) != kNoSlot; },
        [this](uint64_t step, uint64_t object, std::vector<traces::RouterCandidate>& out) { return trace_.take_candidates(step, object, out); });
  }
  backward_from_ = training_step_->expand(step_accesses_);
  accesses_ += backward_from_;
  // Activations and gradients share HBM with the experts: a first tier sized in bytes
  // holds fewer experts while the step runs.
  const uint64_t held = training_step_->plan_memory(step_accesses_, backward_from_);
  residency_.set_first_tier_reserve(held);
  residency_.plan_step(step_accesses_, plan_, source_, backward_from_);
  training_step_->complete_plan(plan_, step_accesses_, backward_from_);
  training_step_->note_gpu_resident(topology_.tier(0).resident().used_bytes() + held);
}

// The compute of the current phase, and (a serial training step, nothing watching) of the
// phases after it that move nothing: they follow at once, so one event times them all.
// Leaves next_compute_ on the last of them.
sim::Time ExpertReplay::merged_compute() {
  sim::Time t = phase_compute_[next_compute_];
  if (!training_step_ || concurrent_chains() || observer_ || flushing_ || !in_flight_.empty()) return t;
  while (next_compute_ + 1 < phases_.size()) {
    const PlannedPhase& next = plan_.phases[next_compute_ + 1];
    if (next.first_chain != next.end_chain) break;
    if (next.kind == PhaseKind::kOptimizer && optimizer_started_ < 0) optimizer_started_ = simulator_.now() + t;
    ++next_compute_;
    phases_[next_compute_].issued = phases_[next_compute_].ready = true;
    t = sim::saturating_add(t, phase_compute_[next_compute_]);
  }
  return t;
}

sim::Time ExpertReplay::layer_compute(uint32_t phase) {
  const PlannedPhase& layer = plan_.phases[phase];
  layer_objects_.clear();
  for (uint32_t i = layer.first_access; i < layer.end_access; ++i) layer_objects_.push_back(step_accesses_[i].object);
  std::sort(layer_objects_.begin(), layer_objects_.end());
  const auto distinct = std::unique(layer_objects_.begin(), layer_objects_.end()) - layer_objects_.begin();
  LayerWork work;
  const double batch = spec_.batch_tokens, context = double(spec_.context_tokens);
  work.tokens = batch;
  // Decode: each sequence's new token attends to its context and itself; prefill: causal.
  work.attended = spec_.prefill_stage ? batch * context + batch * (batch + 1) / 2 : batch * (context + 1);
  work.kv_tokens_read = spec_.prefill_stage ? context : batch * context;
  work.experts_touched = static_cast<double>(distinct);
  sim::Time t = spec_.roofline->layer(work).time;
  if (phase == 0) t = sim::saturating_add(t, spec_.roofline->dense_layers(work));
  // Training: the backward pass costs twice the forward (gradients of inputs and weights).
  return training_ ? sim::saturating_add(t, sim::saturating_add(t, t)) : t;
}

void ExpertReplay::on_compute_done(void* self, uint64_t) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  replay.computing_ = false;
  ++replay.next_compute_;
  replay.pump();
}

}  // namespace tiersim::models
