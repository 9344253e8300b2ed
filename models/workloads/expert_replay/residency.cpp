#include "models/workloads/expert_replay/residency.h"

#include <algorithm>
#include <stdexcept>

#include "models/policies/partitioned_policy.h"
#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/warm_tier.h"
#include "sim/errors.h"
#include "sim/containers/flat_map.h"

namespace tiersim::models {

namespace {

bool any_refreshes(const Topology& topology) {
  for (uint32_t t = 0; t < topology.tier_count(); ++t)
    if (topology.tier(t).spec().refresh_on_hit_above) return true;
  return false;
}

std::vector<Tier*> tiers_of(Topology& topology) {
  std::vector<Tier*> tiers;
  for (uint32_t t = 0; t < topology.tier_count(); ++t) tiers.push_back(&topology.tier(t));
  return tiers;
}

}  // namespace

Residency::Residency(Topology& topology, uint64_t object_bytes, bool training)
    : topology_(topology),
      exclusive_(topology.exclusive()),
      refresh_below_(any_refreshes(topology)),
      hierarchy_(tiers_of(topology), /*store_holds_everything=*/true, *this, *this, LogicalClock{&now_, false}),
      object_bytes_(object_bytes),
      training_(training) {}

void Residency::plan_step(const std::vector<traces::Access>& accesses, StepPlan& plan, const std::string& source,
                          uint32_t backward_from) {
  if (++step_stamp_ == 0) step_stamp_ = 1;  // 0 marks never-used slots
  if (warm_ && !accesses.empty()) warm_->begin_step(accesses.front().step);
  largest_step_ = std::max<uint64_t>(largest_step_, accesses.size());
  plan.clear();
  plan_ = &plan;
  plan.step = accesses.empty() ? 0 : accesses.front().step;
  used_slots_.clear();
  if (protect_step_) {
    // Every object of the step already in tier 0 is spared from the start.
    ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
    for (const traces::Access& a : accesses) {
      const Slot slot = hot.find(a.object);
      if (slot != kNoSlot) hot.stamp(slot, step_stamp_);
    }
  }
  uint32_t layer = UINT32_MAX;
  try {
    for (uint32_t i = 0; i < accesses.size(); ++i) {
      const traces::Access& a = accesses[i];
      const bool backward = i >= backward_from;
      if (a.layer() != layer || plan.phases.empty() || i == backward_from || evict_safe_) {
        if (!plan.phases.empty() && on_layer_decided_ && !backward && a.layer() != layer) on_layer_decided_(plan);
        plan.begin_phase(a.layer(), i, backward ? PhaseKind::kBackward : PhaseKind::kForward);
        layer = a.layer();
        if (i == 0) apply_reserve(plan);
      }
      if (evict_safe_ && ++step_stamp_ == 0) step_stamp_ = 1;  // spares only the object in use
      if (backward) {
        backward_access(a, plan);
      } else {
        access(a, plan);
        if (evict_safe_) used_slots_.clear();  // updated at its backward
      }
      plan.phases.back().end_access = i + 1;
      largest_layer_ = std::max<uint64_t>(largest_layer_, i + 1 - plan.phases.back().first_access);
      ++now_;
    }
  } catch (const StepDoesNotFit&) {
    sim::FlatMap<uint8_t> distinct;
    for (const traces::Access& a : accesses) distinct.find_or_insert(a.object, 1);
    const Tier& top = topology_.tier(0);
    const uint64_t pinned = top.resident().pinned_count();
    if (top.spec().partition_by_layer) {
      throw InputError(source + ": step " + std::to_string(plan.step) + " needs more experts of layer " + std::to_string(layer) +
                       " at once than tier \"" + top.name() + "\" holds per layer (" + std::to_string(top.spec().capacity.objects) +
                       (pinned ? ", some pinned by prefetches in flight" : "") +
                       "); every expert of a layer must fit in the first tier's part for that layer, so enlarge it or route "
                       "fewer experts per layer");
    }
    throw InputError(source + ": step " + std::to_string(plan.step) + " uses " + std::to_string(distinct.size()) +
                     " distinct experts but tier \"" + top.name() + "\" holds only " + std::to_string(first_tier_objects()) +
                     (reserve_ && top.resident().capacity().bytes != UINT64_MAX ? " beside the step's " + std::to_string(reserve_) +
                                                      " bytes of activations and gradients"
                                                : std::string()) +
                     (pinned ? " (" + std::to_string(pinned) + " of them pinned by prefetches in flight: lower the prefetch depth or budget)"
                             : std::string()) +
                     "; every expert of a step must fit in the first tier at once (as in the MoE prototype), so enlarge "
                     "that tier, route fewer experts per step, or let the backward pass reload evicted experts "
                     "(workload.training.evict_safe)");
  }
  mark_used_dirty();
  if (check_invariants_) verify_no_dirty_dropped();
}

void Residency::apply_reserve(StepPlan& plan) {
  ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
  if (reserve_ == hot.reserved() && !hot.over_capacity()) return;
  plan.begin_chain();  // the write-backs of what the reserve pushes out, before any fetch
  hierarchy_.reserve(0, reserve_, hot.guard(step_stamp_, false));
  const PlannedChain& chain = plan.chains.back();
  if (chain.first_move == chain.end_move) {  // clean victims only: nothing moves
    plan.chains.pop_back();
    plan.phases.back().end_chain = static_cast<uint32_t>(plan.chains.size());
  }
}

uint64_t Residency::first_tier_objects() const {
  const ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
  const Capacity& c = hot.capacity();
  if (c.bytes == UINT64_MAX || object_bytes_ == 0) return c.objects;
  return std::min(c.objects, (c.bytes - hot.reserved()) / object_bytes_);
}

void Residency::mark_used_dirty() {
  if (!training_) return;
  ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
  for (uint32_t slot : used_slots_) {
    hot.set_dirty(slot, true);
    note_modified(hot.key(slot));
  }
  used_slots_.clear();
}

void Residency::backward_access(const traces::Access& a, StepPlan& plan) {
  ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
  const Slot slot = hot.find(a.object);
  if (slot != kNoSlot) {
    hot.stamp(slot, step_stamp_);
    if (training_) used_slots_.push_back(slot);
  } else {
    const size_t first_move = plan.moves.size();
    access(a, plan);
    for (size_t m = first_move; m < plan.moves.size(); ++m)
      if (plan.moves[m].kind == MoveKind::kFetch) plan.moves[m].kind = MoveKind::kReload;
  }
  mark_used_dirty();
}

void Residency::verify_no_dirty_dropped() const {
  const uint32_t backing = topology_.backing_tier();
  unsaved_.for_each([&](uint64_t key, uint8_t) {
    for (uint32_t t = 0; t < backing; ++t) {
      const ResidentSet<EvictionPolicy>& resident = topology_.tier(t).resident();
      const Slot slot = resident.find(key);
      if (slot != kNoSlot && resident.dirty(slot)) return;
    }
    throw std::logic_error("invariant broken: object " + std::to_string(key) +
                           " was modified but is dirty in no tier and was never written to the backing store");
  });
}

Slot Residency::lookup(uint32_t tier, uint64_t key, int64_t next_access) {
  Evicted expired;
  const Slot slot = topology_.tier(tier).lookup(key, now_, next_access, &expired);
  if (expired.slot != kNoSlot) {  // it leaves like a victim
    drop_prefetch_mark(tier, expired.slot);
    if (expired.dirty) hierarchy_.write_down(tier, expired);
  }
  return slot;
}

bool Residency::make_room(uint32_t tier, uint64_t key, bool protect_current_step, int64_t next_access) {
  const EvictionGuard guard = topology_.tier(tier).resident().guard(step_stamp_, protect_current_step);
  return hierarchy_.make_room(tier, key, object_bytes_, guard, now_, next_access);
}

void Residency::stage_copy(uint32_t tier, uint64_t key, int64_t next_access) {
  ResidentSet<EvictionPolicy>& resident = topology_.tier(tier).resident();
  if (resident.find(key) != kNoSlot) return;
  // Everything there pinned (prefetches in flight): it passes through without a copy.
  hierarchy_.admit(tier, key, object_bytes_, resident.guard(step_stamp_, false), next_access);
}

void Residency::on_victim(uint32_t tier, const Evicted& victim) {
  drop_prefetch_mark(tier, victim.slot);
  if (prefetching_) prefetch_victims_.find_or_insert(victim.key, tier) = tier;
  if (exclusive_ && tier + 1 < topology_.backing_tier()) {
    // A victim cache below: every victim moves down (a dirty one stays dirty there).
    if (victim.dirty) {
      hierarchy_.write_down(tier, victim);
    } else {
      hierarchy_.demote(tier, victim);
    }
    return;
  }
  if (victim.dirty) {
    if (warm_ && tier == 0) ++warm_->counts.demotions;
    hierarchy_.write_down(tier, victim);
  } else if (warm_ && tier == 0 && warm_->spec().demote) {
    // A clean hot victim is kept in the warm tier: refreshed there if a copy is left, else
    // copied down (a DMA from HBM) and inserted.
    const uint32_t link = topology_.writeback_link(0);
    if (link == kNoLink || topology_.link(link).spec().to_tier != 1) return;
    ++warm_->counts.demotions;
    hierarchy_.demote(0, victim);
  }
}

void Residency::move_down(uint32_t from, uint32_t to, uint64_t key, uint64_t bytes, bool demotion) {
  const uint32_t link = topology_.writeback_link(from);
  if (link == kNoLink) throw std::logic_error("dirty object without a write-back link");
  if (demotion) {
    if (warm_) warm_->set_warm_version(key, warm_->disk_version(key));
  } else if (to == topology_.backing_tier()) {
    note_saved(key);
  }
  plan_->add_move(&link, 1, bytes, key, demotion ? MoveKind::kDemote : MoveKind::kWriteback);
}

uint32_t Residency::find_source(uint64_t key, int64_t next) {
  const uint32_t backing = topology_.backing_tier();
  uint32_t source = 1;
  for (; source < backing; ++source) {
    const Slot found = lookup(source, key, next);
    if (found != kNoSlot) {
      note_demand_hit(source, found);
      if (refresh_below_) refresh_below(source, key, next);
      break;
    }
  }
  return source;
}

void Residency::refresh_below(uint32_t tier, uint64_t key, int64_t next) {
  const uint32_t backing = topology_.backing_tier();
  for (uint32_t t = tier + 1; t < backing; ++t) {
    Tier& below = topology_.tier(t);
    if (!below.spec().refresh_on_hit_above) continue;
    const Slot slot = below.resident().find(key);
    if (slot != kNoSlot) below.refresh(slot, now_, next);
  }
}

bool Residency::take(uint32_t tier, uint64_t key) {
  Tier& from = topology_.tier(tier);
  const Slot slot = from.resident().find(key);
  if (slot == kNoSlot || from.resident().pins(slot) > 0) return false;  // in flight: it stays until it lands
  const bool dirty = from.resident().dirty(slot);
  drop_prefetch_mark(tier, slot);
  from.remove(slot);
  return dirty;
}

void Residency::access(const traces::Access& a, StepPlan& plan) {
  const uint64_t key = a.object;
  const int64_t next = a.next_access < 0 ? kNever : a.next_access;
  Tier& top = topology_.tier(0);
  ResidentSet<EvictionPolicy>& hot = top.resident();
  const bool hot_enough = warm_ ? warm_->activate(key, plan.step) : true;
  const Slot slot = lookup(0, key, next);
  if (slot != kNoSlot) {
    if (refresh_below_) refresh_below(0, key, next);
    note_demand_source(key, 0);
    note_demand_hit(0, slot);
    hot.stamp(slot, step_stamp_);
    if (training_) used_slots_.push_back(slot);
    return;
  }
  if (warm_ && warm_->unavailable(key)) {
    ++warm_->counts.skipped_accesses;  // "skip": the step runs without it
    return;
  }
  plan.begin_chain();
  const uint64_t bytes = object_bytes_;
  const uint32_t backing = topology_.backing_tier();
  bool promote = hot_enough;  // without the warm-tier protocol every miss promotes
  uint32_t source = backing;
  bool moved_dirty = false;
  if (exclusive_) {
    // The object leaves the tier that holds it before room is made above, so that the
    // first tier's victim can take its place there (an exclusive LRU pair is one LRU list).
    source = find_source(key, next);
    if (source < backing) moved_dirty = take(source, key);
  }
  if (promote && !make_room(0, key, /*protect_current_step=*/true, next)) {
    if (!warm_) throw StepDoesNotFit{};
    promote = false;  // the step fills the hot tier: served through a transient slot
  }
  if (!exclusive_) source = find_source(key, next);

  // A stale warm copy (a newer version was published) is re-read before it moves up.
  bool reread = false;
  if (warm_ && source == 1) {
    const Slot warm_slot = topology_.tier(1).resident().find(key);
    if (!topology_.tier(1).resident().dirty(warm_slot) && warm_->warm_version(key) < warm_->disk_version(key)) {
      ++warm_->counts.stale_detected;
      reread = true;
      source = backing;
    }
  }
  note_demand_source(key, source);
  if (source == backing) topology_.tier(backing).read_from_store();

  // The reads. With the warm-tier protocol the last hop out of the warm tier is a move of
  // its own (promote or serve); when reads can be corrupted every hop is (it may be retried).
  const std::vector<uint32_t>& path = topology_.fetch_path(source);
  const uint32_t hops = static_cast<uint32_t>(path.size());
  const MoveKind below_kind = reread ? MoveKind::kReread : MoveKind::kFetch;
  const MoveKind last_kind = !warm_ ? below_kind : promote ? MoveKind::kPromote : MoveKind::kServe;
  if (warm_ && warm_->reads_can_fail()) {
    for (uint32_t h = 0; h < hops; ++h) {
      if (!read_hop(path[h], h + 1 == hops ? last_kind : below_kind, key, a, plan)) {
        ++warm_->counts.skipped_accesses;  // unavailable: nothing is staged or promoted
        return;
      }
    }
  } else if (warm_ && hops > 1 && topology_.link(path.back()).spec().from_tier == 1) {
    plan.add_move(path.data(), hops - 1, bytes, key, below_kind);  // chunk-pipelined below the warm tier
    plan.add_move(&path.back(), 1, bytes, key, last_kind);
  } else {
    plan.add_move(path.data(), hops, bytes, key, last_kind);
  }

  // Leave a copy in each tier on the way (in the warm tier: staging). Room is made (and its
  // write-backs planned) tier by tier; a stale copy is refreshed in place. An exclusive
  // hierarchy keeps one copy: the one arriving in the first tier.
  for (uint32_t link : exclusive_ ? std::vector<uint32_t>{} : path) {
    const uint32_t to = topology_.link(link).spec().to_tier;
    if (to == 0) continue;
    if (warm_ && to == 1) {
      ++warm_->counts.stagings;
      warm_->set_warm_version(key, warm_->disk_version(key));
    }
    stage_copy(to, key, next);
  }
  if (!promote) {
    // Served from the warm tier for this use only; a training update goes straight back.
    ++warm_->counts.served;
    warm_->set_hint(key, false);
    if (training_) {
      note_modified(key);
      hierarchy_.write_down(0, Evicted{kNoSlot, key, bytes, true});
    }
    return;
  }
  if (warm_) {
    ++warm_->counts.promotions;
    warm_->set_hint(key, true);
  }
  const Slot inserted = top.insert(key, bytes, now_, next);
  hot.stamp(inserted, step_stamp_);
  if (moved_dirty) hot.set_dirty(inserted, true);
  if (training_) used_slots_.push_back(inserted);
}

// One hop of a read: the move, then as the integrity settings say, retries of corrupted
// reads, a read from the replica, waiting, or giving the expert up. Returns whether the
// data arrived.
bool Residency::read_hop(uint32_t link, MoveKind kind, uint64_t key, const traces::Access& a, StepPlan& plan) {
  const uint64_t bytes = object_bytes_;
  const uint32_t from = topology_.link(link).spec().from_tier;
  const uint32_t to = topology_.link(link).spec().to_tier;
  plan.add_move(&link, 1, bytes, key, kind);
  bool bad = warm_->corrupted_read(from);
  const WarmTierSpec& spec = warm_->spec();
  for (uint32_t attempt = 0; bad && attempt < spec.retries; ++attempt) {
    ++warm_->counts.retries;
    plan.add_move(&link, 1, bytes, key, MoveKind::kRetry);
    bad = warm_->corrupted_read(from);
  }
  if (!bad) return true;
  if (spec.replica_tier != UINT32_MAX) {
    // The replica climbs its own fetch path as far as this hop's destination.
    const std::vector<uint32_t>& path = topology_.fetch_path(spec.replica_tier);
    uint32_t hops = 0;
    while (hops < path.size() && topology_.link(path[hops]).spec().to_tier != to) ++hops;
    for (uint32_t r = 0; hops < path.size() && r < spec.replicas; ++r) {
      ++warm_->counts.replica_reads;
      plan.add_move(path.data(), hops + 1, bytes, key, MoveKind::kReplica);
      if (!warm_->corrupted_read(spec.replica_tier)) return true;
    }
  }
  if (spec.on_unavailable == WarmTierSpec::OnUnavailable::kWait) {
    constexpr uint64_t kMaxAttempts = 1000000;
    for (uint64_t attempt = 0; bad; ++attempt) {
      if (attempt == kMaxAttempts) throw RunFailure("expert " + std::to_string(a.expert()) + " of layer " + std::to_string(a.layer()) +
                                                    " could not be read in a million attempts");
      ++warm_->counts.waits;
      ++warm_->counts.retries;
      plan.add_move(&link, 1, bytes, key, MoveKind::kRetry);
      bad = warm_->corrupted_read(from);
    }
    return true;
  }
  warm_->mark_unavailable(key, plan.step, a.layer(), a.expert());
  if (spec.on_unavailable == WarmTierSpec::OnUnavailable::kFail) {
    throw RunFailure("step " + std::to_string(plan.step) + ": expert " + std::to_string(a.expert()) + " of layer " +
                     std::to_string(a.layer()) + " is unavailable (" + std::to_string(spec.retries + 1) +
                     " corrupted reads of tier \"" + topology_.tier(from).name() + "\"" +
                     (spec.replica_tier == UINT32_MAX ? ", no replica" : ", no good replica reaching it") +
                     ") and warm_tier.integrity.on_unavailable is \"fail\"");
  }
  return false;
}

void Residency::note_demand_hit(uint32_t tier, Slot slot) {
  if (tier >= prefetched_.size() || slot >= prefetched_[tier].size() || !prefetched_[tier][slot]) return;
  prefetched_[tier][slot] = 0;
  ++prefetch_.used;
  if (tier < held_.size() && slot < held_[tier].size() && held_[tier][slot]) {
    held_[tier][slot] = 0;
    topology_.tier(tier).resident().unpin(slot);
  }
}

bool Residency::hold_until_used(uint32_t tier, Slot slot) {
  if (tier >= prefetched_.size() || slot >= prefetched_[tier].size() || !prefetched_[tier][slot]) return false;  // used already
  if (held_.size() <= tier) held_.resize(tier + 1);
  if (held_[tier].size() <= slot) held_[tier].resize(slot + 1, 0);
  held_[tier][slot] = 1;  // keeps the prefetch's pin
  return true;
}

void Residency::drop_prefetch_mark(uint32_t tier, Slot slot) {
  if (tier >= prefetched_.size() || slot >= prefetched_[tier].size() || !prefetched_[tier][slot]) return;
  prefetched_[tier][slot] = 0;
  ++prefetch_.wasted;
}

uint64_t Residency::plan_prefetch(const std::vector<uint64_t>& keys, uint32_t target, uint64_t budget, StepPlan& plan,
                                  const std::vector<uint64_t>* keep) {
  const uint32_t backing = topology_.backing_tier();
  if (target >= backing || plan.phases.empty()) return 0;
  // What must stay is pinned while the prefetches are planned, so no victim is one of them
  // (those pins are not prefetches: the first tier's room for a step does not count them).
  kept_pins_.clear();
  kept_in_first_tier_ = 0;
  if (keep) {
    for (uint32_t t = 0; t < backing; ++t) {
      ResidentSet<EvictionPolicy>& resident = topology_.tier(t).resident();
      for (uint64_t key : *keep) {
        const Slot slot = resident.find(key);
        if (slot == kNoSlot) continue;
        if (resident.pins(slot) == 0 && t == 0) ++kept_in_first_tier_;
        resident.pin(slot);
        kept_pins_.push_back({t, slot});
      }
    }
  }
  prefetching_ = true;
  const uint64_t planned = plan_prefetch_moves(keys, target, budget, plan);
  prefetching_ = false;
  for (const auto& [t, slot] : kept_pins_) topology_.tier(t).resident().unpin(slot);
  return planned;
}

uint64_t Residency::plan_prefetch_moves(const std::vector<uint64_t>& keys, uint32_t target, uint64_t budget, StepPlan& plan) {
  const uint32_t backing = topology_.backing_tier();
  plan_ = &plan;
  const uint64_t bytes = object_bytes_;
  uint64_t planned = 0;
  // Prefetches pinned in the first tier must leave room for a whole step of demand.
  const ResidentSet<EvictionPolicy>& top = topology_.tier(0).resident();
  const uint64_t reserve = std::max<uint64_t>(largest_step_, 1);
  for (uint64_t key : keys) {
    if (planned + bytes > budget) break;
    if (target == 0 && top.pinned_count() - kept_in_first_tier_ + reserve >= top.capacity().objects) break;
    if (target == 0 && part_too_pinned(key)) continue;
    if (hierarchy_.held_at_or_above(target, key)) continue;
    uint32_t source = target + 1;
    while (source < backing && topology_.tier(source).resident().find(key) == kNoSlot) ++source;
    // The fetch path's links up to the target tier; a path that skips it cannot stage there.
    const std::vector<uint32_t>& path = topology_.fetch_path(source);
    uint32_t hops = 0;
    while (hops < path.size() && topology_.link(path[hops]).spec().to_tier != target) ++hops;
    if (hops == path.size()) continue;
    ++hops;
    plan.begin_background_chain(key, target);
    Tier& destination = topology_.tier(target);
    // Room in the target first, so that nothing is staged on the way when there is none
    // (the current step's objects and pinned ones stay).
    if (!make_room(target, key, /*protect_current_step=*/true)) {
      // Everything in the way is in use or in flight: stop prefetching for this step.
      // Victims already evicted keep their write-backs in this chain.
      plan.chains.back().target_tier = kNoTarget;
      break;
    }
    if (exclusive_) {
      if (source < backing) take(source, key);
    } else {
      for (uint32_t h = 0; h + 1 < hops; ++h) stage_copy(topology_.link(path[h]).spec().to_tier, key, kNever);
    }
    const Slot slot = destination.insert(key, bytes, now_);
    destination.resident().pin(slot);
    if (prefetched_.size() <= target) prefetched_.resize(target + 1);
    if (prefetched_[target].size() <= slot) prefetched_[target].resize(slot + 1, 0);
    prefetched_[target][slot] = 1;
    plan.chains.back().target_slot = slot;
    plan.add_move(path.data(), hops, bytes, key, MoveKind::kPrefetch);
    planned += bytes;
    ++prefetch_.issued;
    prefetch_.bytes += bytes * hops;
  }
  return planned;
}

bool Residency::part_too_pinned(uint64_t key) const {
  const Tier& top = topology_.tier(0);
  if (!top.spec().partition_by_layer) return false;
  const auto& parts = static_cast<const PartitionedPolicy&>(top.policy());
  uint64_t pinned = 0;
  parts.for_each_in_part(key, [&](Slot s) { pinned += top.resident().pins(s) > 0; });
  return pinned + std::max<uint64_t>(largest_layer_, 1) >= parts.part_capacity();
}

void Residency::plan_flush(StepPlan& plan, std::vector<uint64_t>& dirty_per_tier) {
  const uint32_t backing = topology_.backing_tier();
  plan.clear();
  plan_ = &plan;
  plan.begin_phase(0);
  dirty_per_tier.assign(topology_.tier_count(), 0);
  sim::FlatMap<uint8_t> flushed;
  std::vector<uint32_t> path;
  for (uint32_t t = 0; t < backing; ++t) {
    ResidentSet<EvictionPolicy>& resident = topology_.tier(t).resident();
    resident.for_each_resident([&](Slot slot) {
      if (!resident.dirty(slot)) return;
      ++dirty_per_tier[t];
      resident.set_dirty(slot, false);
      const uint64_t key = resident.key(slot);
      if (flushed.find(key)) return;  // a higher tier's newer copy was flushed already
      flushed.insert(key, 1);
      note_saved(key);
      path.clear();
      for (uint32_t down = t; down < backing; ++down) path.push_back(topology_.writeback_link(down));
      plan.begin_chain();
      plan.add_move(path.data(), static_cast<uint32_t>(path.size()), resident.size_bytes(slot), key, MoveKind::kFlush);
    });
  }
  if (check_invariants_ && unsaved_.size() > 0) {
    throw std::logic_error("invariant broken: " + std::to_string(unsaved_.size()) +
                           " modified objects were not written to the backing store by the final flush");
  }
}

}  // namespace tiersim::models
