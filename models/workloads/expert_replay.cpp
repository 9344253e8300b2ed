#include "models/workloads/expert_replay.h"

#include "models/tiers/topology.h"
#include "sim/config/input_error.h"
#include "sim/containers/flat_map.h"
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
      training_(spec.mode == ExpertReplaySpec::Mode::kTraining),
      pipelined_(spec.overlap == ExpertReplaySpec::Overlap::kPipelined),
      batch_(kBatchAccesses) {}

void ExpertReplay::run() {
  pump();
  simulator_.run();
  if (!finished_) throw std::logic_error("expert replay stopped before the end of the trace");
}

// ---------------------------------------------------------------- residency decisions

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

void ExpertReplay::decide_step() {
  if (++step_stamp_ == 0) step_stamp_ = 1;  // 0 marks never-used slots
  current_step_ = step_accesses_.front().step;
  move_links_.clear();
  moves_.clear();
  chains_.clear();
  phases_.clear();
  used_slots_.clear();
  uint32_t layer = UINT32_MAX;
  for (const traces::Access& a : step_accesses_) {
    if (a.layer() != layer || phases_.empty()) {
      const uint32_t next = static_cast<uint32_t>(chains_.size());
      phases_.push_back(Phase{next, next, next, 0, false, false});
      layer = a.layer();
    }
    access(a.object);
    phases_.back().end_chain = static_cast<uint32_t>(chains_.size());
  }
  accesses_ += step_accesses_.size();
  if (training_) {
    ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
    for (uint32_t slot : used_slots_) hot.set_dirty(slot, true);
  }
}

void ExpertReplay::access(uint64_t key) {
  Tier& top = topology_.tier(0);
  ResidentSet<EvictionPolicy>& hot = top.resident();
  const Slot slot = hot.find(key);
  if (slot != kNoSlot) {
    hot.hit(slot);
    hot.stamp(slot, step_stamp_);
    ++top.stats().hits;
    if (training_) used_slots_.push_back(slot);
    return;
  }
  ++top.stats().misses;
  const uint32_t first_move = static_cast<uint32_t>(moves_.size());
  Chain chain{};
  chain.first_move = chain.end_move = chain.next_move = first_move;
  chain.phase = static_cast<uint32_t>(phases_.size() - 1);
  chains_.push_back(chain);

  const uint64_t bytes = spec_.expert_bytes;
  while (!hot.fits(bytes)) make_room(0, /*protect_current_step=*/true);

  // Find the nearest tier holding the object; the backing store holds everything.
  const uint32_t backing = topology_.backing_tier();
  uint32_t source = 1;
  for (; source < backing; ++source) {
    Tier& tier = topology_.tier(source);
    const Slot found = tier.resident().find(key);
    if (found != kNoSlot) {
      tier.resident().hit(found);
      ++tier.stats().hits;
      break;
    }
    ++tier.stats().misses;
  }
  if (source == backing) ++topology_.tier(backing).stats().hits;

  // Stage it up, leaving a copy in each intermediate tier on the way. Room is made (and
  // its write-backs queued) tier by tier; the object then moves along the whole path.
  const std::vector<uint32_t>& path = topology_.fetch_path(source);
  for (uint32_t link : path) {
    const uint32_t to = topology_.link(link).spec().to_tier;
    if (to == 0) continue;
    Tier& tier = topology_.tier(to);
    while (!tier.resident().fits(bytes)) make_room(to, false);
    tier.resident().insert(key, bytes);
    ++tier.stats().inserts;
  }
  emit_move(path.data(), static_cast<uint32_t>(path.size()), bytes);
  const Slot inserted = hot.insert(key, bytes);
  hot.stamp(inserted, step_stamp_);
  ++top.stats().inserts;
  if (training_) used_slots_.push_back(inserted);
}

void ExpertReplay::emit_move(const uint32_t* links, uint32_t hops, uint64_t bytes) {
  moves_.push_back(Move{static_cast<uint32_t>(move_links_.size()), hops, bytes});
  move_links_.insert(move_links_.end(), links, links + hops);
  chains_.back().end_move = static_cast<uint32_t>(moves_.size());
}

void ExpertReplay::make_room(uint32_t tier_index, bool protect_current_step) {
  Tier& tier = topology_.tier(tier_index);
  const EvictionGuard guard = protect_current_step ? tier.resident().guard_stamped(step_stamp_) : EvictionGuard{};
  Evicted victim;
  if (!tier.resident().evict(guard, &victim)) fail_step_does_not_fit();
  ++tier.stats().evictions;
  if (victim.dirty) {
    ++tier.stats().writebacks;
    write_back(tier_index + 1, victim);
  }
}

void ExpertReplay::write_back(uint32_t tier_index, const Evicted& victim) {
  const uint32_t link = topology_.writeback_link(tier_index - 1);
  if (link == kNoLink) throw std::logic_error("dirty object without a write-back link");
  Tier& tier = topology_.tier(tier_index);
  ++tier.stats().written;
  if (tier.is_backing_store()) {
    emit_move(&link, 1, victim.size_bytes);
    return;
  }
  ResidentSet<EvictionPolicy>& resident = tier.resident();
  Slot slot = resident.find(victim.key);
  if (slot == kNoSlot) {
    while (!resident.fits(victim.size_bytes)) make_room(tier_index, false);
    emit_move(&link, 1, victim.size_bytes);
    slot = resident.insert(victim.key, victim.size_bytes);
    ++tier.stats().inserts;
  } else {
    emit_move(&link, 1, victim.size_bytes);
    resident.hit(slot);
  }
  resident.set_dirty(slot, true);
}

void ExpertReplay::fail_step_does_not_fit() const {
  sim::FlatMap<uint8_t> distinct;
  for (const traces::Access& a : step_accesses_)
    if (!distinct.find(a.object)) distinct.insert(a.object, 1);
  const Tier& top = topology_.tier(0);
  throw InputError(trace_.source() + ": step " + std::to_string(current_step_) + " uses " +
                   std::to_string(distinct.size()) + " distinct experts but tier \"" + top.name() + "\" holds only " +
                   std::to_string(top.resident().capacity().objects) +
                   "; every expert of a step must fit in the first tier at once (seed 001's v0 limit: evict-safe "
                   "backward is not modelled), so enlarge that tier or route fewer experts per step");
}

// ---------------------------------------------------------------- timing

void ExpertReplay::pump() {
  if (pumping_) return;  // the running loop below sees the new state
  pumping_ = true;
  for (;;) {
    if (!step_active_) {
      if (!load_step()) {
        finish();
        break;
      }
      decide_step();
      step_start_ = compute_free_at_ = simulator_.now();
      next_compute_ = 0;
      computing_ = false;
      step_active_ = true;
      continue;
    }
    if (computing_) break;  // on_compute_done() resumes
    if (next_compute_ == phases_.size()) {
      end_step();
      step_active_ = false;
      continue;
    }
    Phase& phase = phases_[next_compute_];
    if (!phase.issued) issue_phase(next_compute_);
    if (!phase.ready) break;  // a chain's last hop resumes
    // This layer's experts are in place: compute it, and (pipelined) start loading the next.
    if (pipelined_ && next_compute_ + 1 < phases_.size() && !phases_[next_compute_ + 1].issued) {
      issue_phase(next_compute_ + 1);
    }
    if (spec_.compute_per_layer > 0) {
      computing_ = true;
      simulator_.schedule_after(spec_.compute_per_layer, &ExpertReplay::on_compute_done, this);
      break;
    }
    compute_free_at_ = simulator_.now();
    ++next_compute_;
  }
  pumping_ = false;
}

void ExpertReplay::on_compute_done(void* self, uint64_t) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  replay.computing_ = false;
  replay.compute_free_at_ = replay.simulator_.now();
  ++replay.next_compute_;
  replay.pump();
}

// Starts a phase's transfers: all its chains at once (pipelined; links queue them as their
// channels allow) or the first one (serial; each finished chain starts the next). Links
// never complete a transfer synchronously, so this cannot re-enter pump().
void ExpertReplay::issue_phase(uint32_t index) {
  Phase& phase = phases_[index];
  phase.issued = true;
  phase.pending = phase.end_chain - phase.first_chain;
  phase.next_chain = phase.first_chain;
  if (phase.pending == 0) {
    phase.ready = true;
  } else if (pipelined_) {
    for (uint32_t c = phase.first_chain; c < phase.end_chain; ++c) start_chain(c);
    phase.next_chain = phase.end_chain;
  } else {
    start_chain(phase.next_chain++);
  }
}

void ExpertReplay::start_chain(uint32_t index) {
  chains_[index].next_move = chains_[index].first_move;
  start_move(index);
}

uint64_t ExpertReplay::chunk_size(const Chain& chain, uint32_t chunk) const {
  const uint64_t bytes = moves_[chain.next_move].bytes;
  if (chain.chunks == 1) return bytes;
  return chunk + 1 < chain.chunks ? spec_.chunk_bytes : bytes - spec_.chunk_bytes * (chain.chunks - 1);
}

// Sends every chunk of the chain's current move onto its first link; each chunk is passed
// on to the next link as it arrives (on_hop_done). Event arguments are (chain << 4) | hop.
void ExpertReplay::start_move(uint32_t index) {
  Chain& chain = chains_[index];
  const Move& move = moves_[chain.next_move];
  const bool chunked = spec_.chunk_bytes > 0 && move.hops > 1 && move.bytes > spec_.chunk_bytes;
  chain.chunks = chunked ? static_cast<uint32_t>((move.bytes + spec_.chunk_bytes - 1) / spec_.chunk_bytes) : 1;
  chain.done_at_last = 0;
  for (uint32_t h = 0; h < move.hops; ++h) chain.forwarded[h] = 0;
  Link& first = topology_.link(move_links_[move.first_link]);
  for (uint32_t c = 0; c < chain.chunks; ++c) {
    first.submit(chunk_size(chain, chain.forwarded[0]++), TransferDone{&ExpertReplay::on_hop_done, this, uint64_t{index} << 4});
  }
}

void ExpertReplay::on_hop_done(void* self, uint64_t argument) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  const uint32_t index = static_cast<uint32_t>(argument >> 4);
  const uint32_t hop = static_cast<uint32_t>(argument & 15);
  Chain& chain = replay.chains_[index];
  const Move& move = replay.moves_[chain.next_move];
  if (hop + 1 < move.hops) {
    const uint64_t size = replay.chunk_size(chain, chain.forwarded[hop + 1]++);
    replay.topology_.link(replay.move_links_[move.first_link + hop + 1])
        .submit(size, TransferDone{&ExpertReplay::on_hop_done, self, (uint64_t{index} << 4) | (hop + 1)});
    return;
  }
  if (++chain.done_at_last < chain.chunks) return;
  if (++chain.next_move < chain.end_move) {
    replay.start_move(index);
    return;
  }
  Phase& phase = replay.phases_[chain.phase];
  if (!replay.pipelined_ && phase.next_chain < phase.end_chain) replay.start_chain(phase.next_chain++);
  if (--phase.pending == 0) {
    phase.ready = true;
    replay.pump();
  }
}

void ExpertReplay::end_step() {
  const sim::Time step_time = simulator_.now() - step_start_;
  const sim::Time compute = spec_.compute_per_layer * static_cast<sim::Time>(phases_.size());
  const sim::Time stall = step_time - compute;
  ++steps_;
  total_step_time_ += step_time;
  total_compute_ += compute;
  total_stall_ += stall;
  step_time_.record(static_cast<uint64_t>(step_time));
  step_stall_.record(static_cast<uint64_t>(stall));
}

// ---------------------------------------------------------------- end of run

void ExpertReplay::finish() {
  steps_end_ = simulator_.now();
  link_stats_.clear();
  for (size_t i = 0; i < topology_.link_count(); ++i) link_stats_.push_back(topology_.link(i).stats());
  dirty_at_end_.assign(topology_.tier_count(), 0);
  flush_ops_.assign(topology_.link_count(), 0);
  flush_start_ = flush_end_ = simulator_.now();
  if (training_) {
    flush_dirty_objects();
  } else {
    finished_ = true;
  }
}

void ExpertReplay::flush_dirty_objects() {
  // Every dirty copy goes down to the backing store; a copy dirty in a higher tier
  // supersedes the ones below it, so each object is written once from its highest dirty
  // copy. Objects are visited in slot order, which is deterministic.
  const uint32_t backing = topology_.backing_tier();
  sim::FlatMap<uint8_t> flushed;
  flush_hops_.clear();
  for (uint32_t t = 0; t < backing; ++t) {
    const ResidentSet<EvictionPolicy>& resident = topology_.tier(t).resident();
    resident.for_each_resident([&](Slot slot) {
      if (!resident.dirty(slot)) return;
      ++dirty_at_end_[t];
      const uint64_t key = resident.key(slot);
      if (flushed.find(key)) return;
      flushed.insert(key, 1);
      for (uint32_t down = t; down < backing; ++down) {
        const uint32_t link = topology_.writeback_link(down);
        flush_hops_.push_back(Hop{link, resident.size_bytes(slot)});
        ++flush_ops_[link];
      }
    });
  }
  for (uint32_t t = 0; t < backing; ++t) {
    ResidentSet<EvictionPolicy>& resident = topology_.tier(t).resident();
    resident.for_each_resident([&](Slot slot) { resident.set_dirty(slot, false); });
  }
  flush_next_ = 0;
  if (flush_hops_.empty()) {
    finished_ = true;
    return;
  }
  on_flush_hop_done(this, 0);
}

void ExpertReplay::on_flush_hop_done(void* self, uint64_t) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  if (replay.flush_next_ == replay.flush_hops_.size()) {
    replay.flush_end_ = replay.simulator_.now();
    replay.finished_ = true;
    return;
  }
  const Hop hop = replay.flush_hops_[replay.flush_next_++];
  replay.topology_.link(hop.link).submit(hop.bytes, TransferDone{&ExpertReplay::on_flush_hop_done, self, 0});
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
    m.add(n + "_dirty_at_end", dirty_at_end_.empty() ? 0 : dirty_at_end_[t]);
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
    m.add("flush_time_s", sim::to_seconds(flush_end_ - flush_start_));
    for (size_t i = 0; i < topology_.link_count(); ++i) m.add("flush_" + topology_.link(i).spec().name + "_transfers", flush_ops_[i]);
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
      return l == kNoLink ? uint64_t{0} : flush_ops_[l];
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
    m.add("dirty_gpu_at_end", dirty_at_end_.empty() ? 0 : dirty_at_end_[0]);
    m.add("dirty_cpu_at_end", dirty_at_end_.empty() ? 0 : dirty_at_end_[1]);
    m.add("flush_d2h_writeback", flush(0, 1));
    m.add("flush_disk_write_ops", flush(1, 2));
  }
  return m;
}

}  // namespace tiersim::models
