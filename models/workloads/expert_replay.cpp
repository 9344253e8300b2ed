#include "models/workloads/expert_replay.h"

#include "models/tiers/topology.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

namespace {
constexpr size_t kBatchAccesses = 1 << 14;
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
}

void ExpertReplay::run() {
  pump();
  simulator_.run();
  if (!finished_) throw std::logic_error("expert replay stopped before the end of the trace");
}

bool ExpertReplay::load_step() {
  step_accesses_.clear();
  for (;;) {
    if (batch_position_ == batch_size_) {
      batch_size_ = trace_.read(batch_.data(), batch_.size());
      batch_position_ = 0;
      if (batch_size_ == 0) break;
    }
    const traces::Access& a = batch_[batch_position_];
    if (!step_accesses_.empty() && a.step != step_accesses_.front().step) break;
    step_accesses_.push_back(a);
    ++batch_position_;
  }
  return !step_accesses_.empty();
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
        residency_.plan_step(step_accesses_, plan_, source_);
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
  phase.pending = planned.end_chain - planned.first_chain;
  phase.next_chain = planned.first_chain;
  if (phase.pending == 0) {
    phase.ready = true;
  } else if (concurrent_chains()) {
    for (uint32_t c = planned.first_chain; c < planned.end_chain; ++c) start_chain(c);
    phase.next_chain = planned.end_chain;
  } else {
    start_chain(phase.next_chain++);
  }
}

void ExpertReplay::start_chain(uint32_t index) {
  chains_[index].next_move = plan_.chains[index].first_move;
  start_move(index);
}

uint64_t ExpertReplay::chunk_size(uint32_t index, uint32_t chunk) const {
  const ChainProgress& chain = chains_[index];
  const uint64_t bytes = plan_.moves[chain.next_move].bytes;
  if (chain.chunks == 1) return bytes;
  return chunk + 1 < chain.chunks ? spec_.chunk_bytes : bytes - spec_.chunk_bytes * (chain.chunks - 1);
}

// Sends every chunk of the chain's current move onto its first link; each chunk is passed
// on to the next link as it arrives (on_hop_done). Event arguments are (chain << 4) | hop.
void ExpertReplay::start_move(uint32_t index) {
  ChainProgress& chain = chains_[index];
  const PlannedMove& move = plan_.moves[chain.next_move];
  const bool chunked = spec_.chunk_bytes > 0 && move.hops > 1 && move.bytes > spec_.chunk_bytes;
  chain.chunks = chunked ? static_cast<uint32_t>((move.bytes + spec_.chunk_bytes - 1) / spec_.chunk_bytes) : 1;
  chain.done_at_last = 0;
  for (uint32_t h = 0; h < move.hops; ++h) chain.forwarded[h] = 0;
  Link& first = topology_.link(plan_.links[move.first_link]);
  for (uint32_t c = 0; c < chain.chunks; ++c) {
    first.submit(chunk_size(index, chain.forwarded[0]++), TransferDone{&ExpertReplay::on_hop_done, this, uint64_t{index} << 4});
  }
}

void ExpertReplay::on_hop_done(void* self, uint64_t argument) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  const uint32_t index = static_cast<uint32_t>(argument >> 4);
  const uint32_t hop = static_cast<uint32_t>(argument & 15);
  ChainProgress& chain = replay.chains_[index];
  const PlannedMove& move = replay.plan_.moves[chain.next_move];
  if (hop + 1 < move.hops) {
    const uint64_t size = replay.chunk_size(index, chain.forwarded[hop + 1]++);
    replay.topology_.link(replay.plan_.links[move.first_link + hop + 1])
        .submit(size, TransferDone{&ExpertReplay::on_hop_done, self, (uint64_t{index} << 4) | (hop + 1)});
    return;
  }
  if (++chain.done_at_last < chain.chunks) return;
  if (++chain.next_move < replay.plan_.chains[index].end_move) {
    replay.start_move(index);
    return;
  }
  const PlannedPhase& planned = replay.plan_.phases[replay.plan_.chains[index].phase];
  PhaseProgress& phase = replay.phases_[replay.plan_.chains[index].phase];
  if (!replay.concurrent_chains() && phase.next_chain < planned.end_chain) replay.start_chain(phase.next_chain++);
  if (--phase.pending == 0) {
    phase.ready = true;
    replay.pump();
  }
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
    m.add(n + "_dirty_at_end", dirty_at_end_[t]);
  }
  for (size_t i = 0; i < topology_.link_count(); ++i) {
    const LinkStats& s = link_stats_[i];
    const std::string& n = topology_.link(i).spec().name;
    m.add(n + "_bytes", s.bytes);
    m.add(n + "_transfers", s.operations);
    m.add(n + "_busy_s", sim::to_seconds(s.busy_time));
    m.add(n + "_utilization", steps_end_ ? static_cast<double>(s.busy_time) / static_cast<double>(steps_end_) : 0.0);
    m.add(n + "_GBps", sim_seconds > 0 ? static_cast<double>(s.bytes) / sim_seconds / 1e9 : 0.0);
    m.add(n + "_service_s", sim::to_seconds(s.service_time));
    m.add(n + "_latency_p50_us", us(s.latency.quantile(0.50)));
    m.add(n + "_latency_p99_us", us(s.latency.quantile(0.99)));
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
