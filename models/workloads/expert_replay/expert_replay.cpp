#include "models/workloads/expert_replay/expert_replay.h"

#include <cstdio>

#include "models/links/link_metrics.h"
#include "models/tiers/store_metrics.h"
#include "models/tiers/topology.h"
#include "sim/errors.h"
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
      residency_(topology, spec.expert_bytes, spec.mode == ExpertReplaySpec::Mode::kTraining),
      training_(spec.mode == ExpertReplaySpec::Mode::kTraining),
      pipelined_(spec.overlap == ExpertReplaySpec::Overlap::kPipelined),
      batch_(kBatchAccesses),
      source_(trace.source()) {
  dirty_at_end_.assign(topology_.tier_count(), 0);
  flush_objects_.assign(topology_.link_count(), 0);
  residency_.set_check_invariants(spec_.check_invariants);
  if (spec_.warm_tier.enabled) {
    warm_ = std::make_unique<WarmTier>(spec_.warm_tier, topology_, spec_.seed);
    residency_.set_warm_tier(warm_.get());
  }
  prefetcher_ = spec_.prefetch.prefetcher.get();
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
  }
}

void ExpertReplay::run() {
  if (spec_.timeseries_interval > 0) {
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
  prefetcher_->after_step(step_accesses_, upcoming_, wanted_);
  prefetch_budget_left_ -= residency_.plan_prefetch(wanted_, prefetch_target_, prefetch_budget_left_, plan_);
}

void ExpertReplay::plan_prefetch_after_layer(StepPlan& plan) {
  const PlannedPhase& layer = plan.phases.back();
  wanted_.clear();
  prefetcher_->after_layer(step_accesses_.data() + layer.first_access, step_accesses_.data() + layer.end_access, wanted_);
  if (wanted_.empty()) return;
  prefetch_budget_left_ -= residency_.plan_prefetch(wanted_, prefetch_target_, prefetch_budget_left_, plan);
}

// ---------------------------------------------------------------- executing plans

void ExpertReplay::begin_plan() {
  chains_.assign(plan_.chains.size(), ChainProgress{});
  phases_.assign(plan_.phases.size(), PhaseProgress{0, 0, false, false});
  plan_start_ = simulator_.now();
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
  const sim::Time compute = spec_.compute_per_layer * static_cast<sim::Time>(plan_.phases.size());
  const sim::Time stall = step_time - compute;
  last_step_time_ = step_time;
  ++steps_;
  total_step_time_ += step_time;
  total_compute_ += compute;
  total_stall_ += stall;
  step_time_.record(static_cast<uint64_t>(step_time));
  step_stall_.record(static_cast<uint64_t>(stall));
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
        residency_.plan_step(step_accesses_, plan_, source_);
        if (prefetcher_) plan_prefetch_after_step();
        accesses_ += step_accesses_.size();
        begin_plan();
        continue;
      }
      // End of the trace: keep the step figures, then flush what is dirty.
      steps_end_ = simulator_.now();
      link_stats_.clear();
      for (size_t i = 0; i < topology_.link_count(); ++i) link_stats_.push_back(topology_.link(i).stats());
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
    if (!phase.issued) issue_phase(next_compute_);
    if (!phase.ready) break;  // a chain's last move resumes
    // This layer's experts are in place: compute it, and (pipelined) start loading the next.
    if (concurrent_chains() && next_compute_ + 1 < phases_.size() && !phases_[next_compute_ + 1].issued) {
      issue_phase(next_compute_ + 1);
    }
    if (!flushing_ && observer_) {
      const PlannedPhase& layer = plan_.phases[next_compute_];
      observer_->on_compute(step_accesses_.data() + layer.first_access, step_accesses_.data() + layer.end_access);
    }
    if (!flushing_ && spec_.compute_per_layer > 0) {
      computing_ = true;
      simulator_.schedule_after(spec_.compute_per_layer, &ExpertReplay::on_compute_done, this);
      break;
    }
    ++next_compute_;
  }
  pumping_ = false;
}

void ExpertReplay::on_compute_done(void* self, uint64_t) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  replay.computing_ = false;
  ++replay.next_compute_;
  replay.pump();
}

// Starts a phase's transfers: all its chains at once (pipelined; links queue them as their
// channels allow) or the first one (serial; each finished chain starts the next). Links
// never complete a transfer synchronously, so this cannot re-enter pump().
void ExpertReplay::issue_phase(uint32_t index) {
  const PlannedPhase& planned = plan_.phases[index];
  PhaseProgress& phase = phases_[index];
  phase.issued = true;
  phase.pending = 0;
  for (uint32_t c = planned.first_chain; c < planned.end_chain; ++c) phase.pending += plan_.chains[c].background ? 0 : 1;
  // An object this layer needs may still be on its way (a late prefetch): wait for it.
  if (!in_flight_.empty()) {
    for (uint32_t i = planned.first_access; i < planned.end_access; ++i) {
      const uint32_t* chain = in_flight_.find(step_accesses_[i].object);
      if (!chain) continue;
      std::vector<uint32_t>& waiting = background_[*chain].waiting_phases;
      if (!waiting.empty() && waiting.back() == index) continue;
      waiting.push_back(index);
      ++phase.pending;
      ++prefetch_late_;
    }
  }
  for (uint32_t c = planned.first_chain; c < planned.end_chain; ++c)
    if (plan_.chains[c].background) launch_background(c);
  phase.next_chain = next_demand_chain(planned.first_chain, planned.end_chain);
  if (phase.pending == 0) {
    phase.ready = true;
  } else if (concurrent_chains()) {
    for (uint32_t c = phase.next_chain; c < planned.end_chain; c = next_demand_chain(c + 1, planned.end_chain)) start_chain(c);
    phase.next_chain = planned.end_chain;
  } else if (phase.next_chain < planned.end_chain) {
    const uint32_t c = phase.next_chain;
    phase.next_chain = next_demand_chain(c + 1, planned.end_chain);
    start_chain(c);
  }
}

uint32_t ExpertReplay::next_demand_chain(uint32_t from, uint32_t end) const {
  while (from < end && plan_.chains[from].background) ++from;
  return from;
}

void ExpertReplay::launch_background(uint32_t chain) {
  const PlannedChain& planned = plan_.chains[chain];
  if (planned.first_move == planned.end_move) return;
  const uint32_t index = background_.acquire();
  BackgroundChain& bg = background_[index];
  bg.moves.clear();
  bg.links.clear();
  bg.waiting_phases.clear();
  bg.waiting_chains.clear();
  for (uint32_t m = planned.first_move; m < planned.end_move; ++m) {
    PlannedMove move = plan_.moves[m];
    const uint32_t first = static_cast<uint32_t>(bg.links.size());
    bg.links.insert(bg.links.end(), plan_.links.begin() + move.first_link, plan_.links.begin() + move.first_link + move.hops);
    move.first_link = first;
    bg.moves.push_back(move);
  }
  bg.key = planned.key;
  bg.target_tier = planned.target_tier;
  bg.target_slot = planned.target_slot;
  if (bg.target_tier != kNoTarget) in_flight_.insert(bg.key, index);
  bg.progress.next_move = 0;
  start_move(ChainRef{true, index});
}

void ExpertReplay::complete_background(uint32_t index) {
  BackgroundChain& bg = background_[index];
  if (bg.target_tier != kNoTarget) {
    topology_.tier(bg.target_tier).resident().unpin(bg.target_slot);
    in_flight_.erase(bg.key);
  }
  background_.release(index);
  for (uint32_t chain : bg.waiting_chains) start_chain(chain);
  bg.waiting_chains.clear();
  bool resume = false;
  for (uint32_t phase : bg.waiting_phases) {
    if (--phases_[phase].pending == 0) {
      phases_[phase].ready = true;
      resume = true;
    }
  }
  bg.waiting_phases.clear();
  if (resume) pump();
}

ExpertReplay::ChainProgress& ExpertReplay::progress(ChainRef chain) {
  return chain.background ? background_[chain.index].progress : chains_[chain.index];
}

const PlannedMove& ExpertReplay::current_move(ChainRef chain) {
  const uint32_t m = progress(chain).next_move;
  return chain.background ? background_[chain.index].moves[m] : plan_.moves[m];
}

uint32_t ExpertReplay::link_of(ChainRef chain, const PlannedMove& move, uint32_t hop) const {
  return chain.background ? background_[chain.index].links[move.first_link + hop] : plan_.links[move.first_link + hop];
}

void ExpertReplay::start_chain(uint32_t index) {
  // A miss on an object a prefetch is still staging (into a tier below the first) reads
  // the copy that prefetch is writing: it starts when the prefetch lands, not before.
  if (!in_flight_.empty()) {
    const PlannedChain& chain = plan_.chains[index];
    for (uint32_t m = chain.first_move; m < chain.end_move; ++m) {
      if (const uint32_t* bg = in_flight_.find(plan_.moves[m].key)) {
        background_[*bg].waiting_chains.push_back(index);
        return;
      }
    }
  }
  chains_[index].next_move = plan_.chains[index].first_move;
  start_move(ChainRef{false, index});
}

uint64_t ExpertReplay::chunk_size(ChainRef ref, uint32_t chunk) {
  const ChainProgress& chain = progress(ref);
  const uint64_t bytes = current_move(ref).bytes;
  if (chain.chunks == 1) return bytes;
  return chunk + 1 < chain.chunks ? spec_.chunk_bytes : bytes - spec_.chunk_bytes * (chain.chunks - 1);
}

namespace {
// Event arguments: (chain index << 32) | (chunk << 5) | (background << 4) | hop; a move
// has at most 2^16 chunks (expert_replay_spec.cpp).
uint64_t hop_argument(uint32_t index, bool background, uint32_t hop, uint32_t chunk) {
  return (uint64_t{index} << 32) | (uint64_t{chunk} << 5) | (background ? 16u : 0u) | hop;
}
}  // namespace

// Sends every chunk of the chain's current move onto its first link; each chunk is passed
// on to the next link as it arrives (on_hop_done).
void ExpertReplay::start_move(ChainRef ref) {
  ChainProgress& chain = progress(ref);
  const PlannedMove& move = current_move(ref);
  const bool chunked = spec_.chunk_bytes > 0 && move.hops > 1 && move.bytes > spec_.chunk_bytes;
  chain.chunks = chunked ? static_cast<uint32_t>((move.bytes + spec_.chunk_bytes - 1) / spec_.chunk_bytes) : 1;
  chain.done_at_last = 0;
  chain.move_started = simulator_.now();
  ILink& first = topology_.link(link_of(ref, move, 0));
  const Priority priority = ref.background ? Priority::kBackground : Priority::kDemand;
  for (uint32_t c = 0; c < chain.chunks; ++c) {
    first.submit(TransferRequest{chunk_size(ref, c), move.key, uint64_t{c} * spec_.chunk_bytes},
                 TransferDone{&ExpertReplay::on_hop_done, this, hop_argument(ref.index, ref.background, 0, c)}, priority);
  }
}

void ExpertReplay::on_hop_done(void* self, uint64_t argument) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  const ChainRef ref{(argument & 16) != 0, static_cast<uint32_t>(argument >> 32)};
  const uint32_t hop = static_cast<uint32_t>(argument & 15);
  const uint32_t chunk = static_cast<uint32_t>((argument >> 5) & 0x7ffffff);
  ChainProgress& chain = replay.progress(ref);
  const PlannedMove& move = replay.current_move(ref);
  if (hop + 1 < move.hops) {
    // The chunk that arrived goes on (chunks may overtake each other on shared links).
    const TransferRequest request{replay.chunk_size(ref, chunk), move.key, uint64_t{chunk} * replay.spec_.chunk_bytes};
    replay.topology_.link(replay.link_of(ref, move, hop + 1))
        .submit(request, TransferDone{&ExpertReplay::on_hop_done, self, hop_argument(ref.index, ref.background, hop + 1, chunk)},
                ref.background ? Priority::kBackground : Priority::kDemand);
    return;
  }
  if (++chain.done_at_last < chain.chunks) return;
  replay.move_latency_[static_cast<uint32_t>(move.kind)].record(
      static_cast<uint64_t>(replay.simulator_.now() - chain.move_started));
  const uint32_t end_move = ref.background ? static_cast<uint32_t>(replay.background_[ref.index].moves.size())
                                           : replay.plan_.chains[ref.index].end_move;
  if (++chain.next_move < end_move) {
    replay.start_move(ref);
    return;
  }
  if (ref.background) {
    replay.complete_background(ref.index);
    return;
  }
  const uint32_t index = ref.index;
  const PlannedPhase& planned = replay.plan_.phases[replay.plan_.chains[index].phase];
  PhaseProgress& phase = replay.phases_[replay.plan_.chains[index].phase];
  if (!replay.concurrent_chains() && phase.next_chain < planned.end_chain) {
    const uint32_t c = phase.next_chain;
    phase.next_chain = replay.next_demand_chain(c + 1, planned.end_chain);
    replay.start_chain(c);
  }
  if (--phase.pending == 0) {
    phase.ready = true;
    replay.pump();
  }
}

// ---------------------------------------------------------------- telemetry

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

// ---------------------------------------------------------------- results

namespace {
double ratio(uint64_t part, uint64_t whole) { return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; }
double us(uint64_t ps) { return static_cast<double>(ps) / 1e6; }
}  // namespace

Metrics ExpertReplay::metrics() const {
  Metrics m;
  const double sim_seconds = sim::to_seconds(steps_end_);
  m.add("steps", steps_);
  m.add("accesses", accesses_);
  m.add("sim_time_s", sim_seconds);
  m.add("step_time_mean_us", steps_ ? sim::to_microseconds(total_step_time_) / static_cast<double>(steps_) : 0.0);
  m.add("step_time_p50_us", us(step_time_.quantile(0.50)));
  m.add("step_time_p99_us", us(step_time_.quantile(0.99)));
  m.add("step_time_max_us", us(step_time_.max()));
  m.add("stall_time_s", sim::to_seconds(total_stall_));
  m.add("stall_fraction", total_step_time_ ? static_cast<double>(total_stall_) / static_cast<double>(total_step_time_) : 0.0);
  m.add("stall_p99_us", us(step_stall_.quantile(0.99)));
  m.add("compute_time_s", sim::to_seconds(total_compute_));

  const uint32_t backing = topology_.backing_tier();
  for (uint32_t t = 0; t < topology_.tier_count(); ++t) {
    const Tier& tier = topology_.tier(t);
    const TierStats& s = tier.stats();
    const std::string& n = tier.name();
    if (t == backing) {
      m.add(n + "_reads", s.hits);
      m.add(n + "_writes", s.written);
      continue;
    }
    m.add(n + "_hits", s.hits);
    m.add(n + "_misses", s.misses);
    m.add(n + "_hit_ratio", ratio(s.hits, s.hits + s.misses));
    m.add(n + "_inserts", s.inserts);
    m.add(n + "_evictions", s.evictions);
    m.add(n + "_writebacks", s.writebacks);
    m.add(n + "_expirations", s.expirations);
    m.add(n + "_dirty_at_end", dirty_at_end_[t]);
  }
  if (prefetcher_) {
    const Residency::PrefetchCounts& p = residency_.prefetch_counts();
    const TierStats& target = topology_.tier(prefetch_target_).stats();
    m.add("prefetcher", spec_.prefetch.name);
    m.add("prefetch_issued", p.issued);
    m.add("prefetch_bytes", p.bytes);
    m.add("prefetch_useful", p.used - prefetch_late_);
    m.add("prefetch_late", prefetch_late_);
    m.add("prefetch_wasted", p.wasted);
    m.add("prefetch_unused_at_end", residency_.prefetched_unused());
    m.add("prefetch_accuracy", ratio(p.used, p.issued));
    m.add("prefetch_coverage", ratio(p.used, p.used + target.misses));
  }
  for (size_t i = 0; i < topology_.link_count(); ++i) add_link_metrics(m, topology_.link(i).spec().name, link_stats_[i], steps_end_);
  const TierSpec& store = topology_.tier(backing).spec();
  if (store.object_store || store.compression.enabled) {
    add_store_request_metrics(m, topology_);
    add_codec_metrics(m, topology_, steps_end_);
  }
  if (warm_) {
    const WarmTier::Counts& w = warm_->counts;
    const double seconds = sim_seconds > 0 ? sim_seconds : 1.0;
    auto rate = [&](uint64_t n) { return sim_seconds > 0 ? static_cast<double>(n) / seconds : 0.0; };
    const uint64_t warm_evictions = topology_.tier(1).stats().evictions;
    m.add("warm_stagings", w.stagings);
    m.add("warm_promotions", w.promotions);
    m.add("warm_served", w.served);
    m.add("warm_demotions", w.demotions);
    m.add("warm_evictions", warm_evictions);
    m.add("warm_staging_per_s", rate(w.stagings));
    m.add("warm_promotion_per_s", rate(w.promotions));
    m.add("warm_demotion_per_s", rate(w.demotions));
    m.add("warm_eviction_per_s", rate(warm_evictions));
    m.add("versions_published", w.versions_published);
    m.add("stale_detected", w.stale_detected);
    m.add("corrupted_reads", w.corrupted_reads);
    m.add("read_retries", w.retries);
    m.add("replica_reads", w.replica_reads);
    m.add("unavailable_experts", w.unavailable_experts);
    m.add("skipped_accesses", w.skipped_accesses);
    m.add("wait_retries", w.waits);
  }
  // Latency of each kind of move this run can make (first byte sent to last byte delivered).
  for (uint32_t k = 0; k < kMoveKinds; ++k) {
    const MoveKind kind = static_cast<MoveKind>(k);
    const bool warm_kind = kind == MoveKind::kPromote || kind == MoveKind::kServe || kind == MoveKind::kDemote ||
                           kind == MoveKind::kReread;
    const bool integrity_kind = kind == MoveKind::kRetry || kind == MoveKind::kReplica;
    const bool possible = kind == MoveKind::kFetch || ((kind == MoveKind::kWriteback || kind == MoveKind::kFlush) && training_) ||
                          (kind == MoveKind::kPrefetch && prefetcher_) || (warm_kind && warm_) ||
                          (integrity_kind && warm_ && warm_->reads_can_fail());
    if (!possible) continue;
    const std::string n = std::string("move_") + move_kind_name(kind);
    const sim::LogHistogram& h = move_latency_[k];
    m.add(n + "_count", h.count());
    m.add(n + "_p50_us", us(h.quantile(0.50)));
    m.add(n + "_p90_us", us(h.quantile(0.90)));
    m.add(n + "_p99_us", us(h.quantile(0.99)));
    m.add(n + "_p999_us", us(h.quantile(0.999)));
  }
  if (training_) {
    m.add("flush_time_s", sim::to_seconds(flush_end_ - steps_end_));
    for (size_t i = 0; i < topology_.link_count(); ++i) {
      m.add("flush_" + topology_.link(i).spec().name + "_objects", flush_objects_[i]);
    }
  }
  m.add("events", simulator_.events_processed());

  if (spec_.seed001_counters) {
    // Seed 001's names: GPU = tier 0, CPU = tier 1, disk = tier 2 (the backing store).
    auto ops = [&](uint32_t from, uint32_t to) {
      const uint32_t l = topology_.link_between(from, to);
      return l == kNoLink ? uint64_t{0} : link_stats_[l].operations;
    };
    auto seconds = [&](uint32_t from, uint32_t to) {
      const uint32_t l = topology_.link_between(from, to);
      return l == kNoLink ? 0.0 : sim::to_seconds(link_stats_[l].service_time);
    };
    auto flush = [&](uint32_t from, uint32_t to) {
      const uint32_t l = topology_.link_between(from, to);
      return l == kNoLink ? uint64_t{0} : flush_objects_[l];
    };
    const TierStats& gpu = topology_.tier(0).stats();
    const TierStats& cpu = topology_.tier(1).stats();
    m.add("gpu_cache_hit", gpu.hits);
    m.add("gpu_cache_miss", gpu.misses);
    m.add("cpu_cache_hit", cpu.hits);
    m.add("cpu_cache_miss", cpu.misses);
    m.add("disk_read_ops", ops(2, 1));
    m.add("disk_write_ops", ops(1, 2));
    m.add("h2d_load", ops(1, 0));
    m.add("d2h_writeback", ops(0, 1));
    m.add("h2d_load_s", seconds(1, 0));
    m.add("d2h_writeback_s", seconds(0, 1));
    m.add("disk_read_s", seconds(2, 1));
    m.add("disk_write_s", seconds(1, 2));
    m.add("dirty_gpu_at_end", dirty_at_end_[0]);
    m.add("dirty_cpu_at_end", dirty_at_end_[1]);
    m.add("flush_d2h_writeback", flush(0, 1));
    m.add("flush_disk_write_ops", flush(1, 2));
  }
  return m;
}

}  // namespace tiersim::models
