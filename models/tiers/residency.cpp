#include "models/tiers/residency.h"

#include <stdexcept>

#include "models/tiers/topology.h"
#include "sim/config/input_error.h"
#include "sim/containers/flat_map.h"

namespace tiersim::models {

Residency::Residency(Topology& topology, uint64_t object_bytes, bool training)
    : topology_(topology), object_bytes_(object_bytes), training_(training) {}

void Residency::plan_step(const std::vector<traces::Access>& accesses, StepPlan& plan, const std::string& source) {
  if (++step_stamp_ == 0) step_stamp_ = 1;  // 0 marks never-used slots
  plan.clear();
  plan.step = accesses.empty() ? 0 : accesses.front().step;
  used_slots_.clear();
  uint32_t layer = UINT32_MAX;
  try {
    for (const traces::Access& a : accesses) {
      if (a.layer() != layer || plan.phases.empty()) {
        plan.begin_phase(a.layer());
        layer = a.layer();
      }
      access(a, plan);
      ++now_;
    }
  } catch (const StepDoesNotFit&) {
    sim::FlatMap<uint8_t> distinct;
    for (const traces::Access& a : accesses) distinct.find_or_insert(a.object, 1);
    const Tier& top = topology_.tier(0);
    throw InputError(source + ": step " + std::to_string(plan.step) + " uses " + std::to_string(distinct.size()) +
                     " distinct experts but tier \"" + top.name() + "\" holds only " +
                     std::to_string(top.resident().capacity().objects) +
                     "; every expert of a step must fit in the first tier at once (seed 001's v0 limit: evict-safe "
                     "backward is not modelled), so enlarge that tier or route fewer experts per step");
  }
  if (training_) {
    ResidentSet<EvictionPolicy>& hot = topology_.tier(0).resident();
    for (uint32_t slot : used_slots_) hot.set_dirty(slot, true);
  }
}

Slot Residency::find_live(uint32_t tier_index, uint64_t key, StepPlan& plan) {
  Tier& tier = topology_.tier(tier_index);
  ResidentSet<EvictionPolicy>& resident = tier.resident();
  const Slot slot = resident.find(key);
  if (slot == kNoSlot || !resident.expired(slot, now_)) return slot;
  // Expired: it leaves like a victim (a dirty copy is written down first).
  ++tier.stats().expirations;
  const Evicted gone{key, resident.size_bytes(slot), resident.dirty(slot)};
  resident.remove(slot);
  if (gone.dirty) {
    ++tier.stats().writebacks;
    write_back(tier_index + 1, gone, plan);
  }
  return kNoSlot;
}

void Residency::access(const traces::Access& a, StepPlan& plan) {
  const uint64_t key = a.object;
  const int64_t next = a.next_access < 0 ? kNever : a.next_access;
  Tier& top = topology_.tier(0);
  ResidentSet<EvictionPolicy>& hot = top.resident();
  const Slot slot = find_live(0, key, plan);
  if (slot != kNoSlot) {
    hot.hit(slot, now_, next);
    hot.stamp(slot, step_stamp_);
    ++top.stats().hits;
    if (training_) used_slots_.push_back(slot);
    return;
  }
  ++top.stats().misses;
  plan.begin_chain();
  const uint64_t bytes = object_bytes_;
  hot.miss(key, bytes, now_, next);
  while (!hot.fits(bytes)) make_room(0, /*protect_current_step=*/true, plan);

  // Find the nearest tier holding the object; the backing store holds everything.
  const uint32_t backing = topology_.backing_tier();
  uint32_t source = 1;
  for (; source < backing; ++source) {
    Tier& tier = topology_.tier(source);
    const Slot found = find_live(source, key, plan);
    if (found != kNoSlot) {
      tier.resident().hit(found, now_, next);
      ++tier.stats().hits;
      break;
    }
    ++tier.stats().misses;
  }
  if (source == backing) ++topology_.tier(backing).stats().hits;

  // Stage it up, leaving a copy in each intermediate tier on the way. Room is made (and
  // its write-backs planned) tier by tier; the object then moves along the whole path.
  const std::vector<uint32_t>& path = topology_.fetch_path(source);
  for (uint32_t link : path) {
    const uint32_t to = topology_.link(link).spec().to_tier;
    if (to == 0) continue;
    Tier& tier = topology_.tier(to);
    tier.resident().miss(key, bytes, now_, next);
    while (!tier.resident().fits(bytes)) make_room(to, false, plan);
    tier.resident().insert(key, bytes, now_, next);
    ++tier.stats().inserts;
  }
  plan.add_move(path.data(), static_cast<uint32_t>(path.size()), bytes, key);
  const Slot inserted = hot.insert(key, bytes, now_, next);
  hot.stamp(inserted, step_stamp_);
  ++top.stats().inserts;
  if (training_) used_slots_.push_back(inserted);
}

void Residency::make_room(uint32_t tier_index, bool protect_current_step, StepPlan& plan) {
  Tier& tier = topology_.tier(tier_index);
  const EvictionGuard guard = tier.resident().guard(step_stamp_, protect_current_step);
  Evicted victim;
  if (!tier.resident().evict(guard, &victim)) throw StepDoesNotFit{};
  ++tier.stats().evictions;
  if (victim.dirty) {
    ++tier.stats().writebacks;
    write_back(tier_index + 1, victim, plan);
  }
}

void Residency::write_back(uint32_t tier_index, const Evicted& victim, StepPlan& plan) {
  const uint32_t link = topology_.writeback_link(tier_index - 1);
  if (link == kNoLink) throw std::logic_error("dirty object without a write-back link");
  Tier& tier = topology_.tier(tier_index);
  ++tier.stats().written;
  if (tier.is_backing_store()) {
    plan.add_move(&link, 1, victim.size_bytes, victim.key);
    return;
  }
  ResidentSet<EvictionPolicy>& resident = tier.resident();
  Slot slot = resident.find(victim.key);
  if (slot == kNoSlot) {
    resident.miss(victim.key, victim.size_bytes, now_);
    while (!resident.fits(victim.size_bytes)) make_room(tier_index, false, plan);
    slot = resident.insert(victim.key, victim.size_bytes, now_);
    ++tier.stats().inserts;
  } else {
    resident.hit(slot, now_);
  }
  plan.add_move(&link, 1, victim.size_bytes, victim.key);
  resident.set_dirty(slot, true);
}

void Residency::plan_flush(StepPlan& plan, std::vector<uint64_t>& dirty_per_tier) {
  const uint32_t backing = topology_.backing_tier();
  plan.clear();
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
      path.clear();
      for (uint32_t down = t; down < backing; ++down) path.push_back(topology_.writeback_link(down));
      plan.begin_chain();
      plan.add_move(path.data(), static_cast<uint32_t>(path.size()), resident.size_bytes(slot), key);
    });
  }
}

}  // namespace tiersim::models
