#include "models/cache/cache_hierarchy.h"

namespace tiersim::models {

CacheHierarchy::CacheHierarchy(std::vector<Tier*> tiers, bool store_holds_everything, VictimRule& victims, MoveSink& moves,
                               LogicalClock clock)
    : tiers_(std::move(tiers)), store_holds_everything_(store_holds_everything), victims_(victims), moves_(moves), clock_(clock) {}

bool CacheHierarchy::make_room(uint32_t t, uint64_t key, uint64_t bytes, const EvictionGuard& guard, int64_t now,
                               int64_t next_access) {
  return tier(t).make_room(key, bytes, now, next_access, guard, [&](const Evicted& v) { victims_.on_victim(t, v); });
}

bool CacheHierarchy::reserve(uint32_t t, uint64_t bytes, const EvictionGuard& guard) {
  return tier(t).reserve(bytes, guard, [&](const Evicted& v) { victims_.on_victim(t, v); });
}

Slot CacheHierarchy::admit(uint32_t t, uint64_t key, uint64_t bytes, const EvictionGuard& guard, int64_t next_access) {
  Tier& into = tier(t);
  if (!into.resident().can_ever_fit(bytes)) return kNoSlot;
  const int64_t now = clock_.take();
  if (!make_room(t, key, bytes, guard, now, next_access)) return kNoSlot;
  return into.insert(key, bytes, now, next_access);
}

void CacheHierarchy::write_down(uint32_t from, const Evicted& victim) {
  tier(from).count_writeback();
  write_into(from + 1, victim);
}

void CacheHierarchy::write_into(uint32_t to, const Evicted& victim) {
  const uint32_t from = to - 1;
  Tier& below = tier(to);
  if (is_store(to) && store_holds_everything_) {
    below.count_written();
    moves_.move_down(from, to, victim.key, victim.size_bytes, false);
    return;
  }
  ResidentSet<EvictionPolicy>& resident = below.resident();
  Slot slot = resident.find(victim.key);
  if (slot != kNoSlot) {
    below.refresh(slot, now());
  } else {
    // What the victim takes there (less in a compressed store).
    const uint64_t bytes = below.spec().compression.stored_bytes(victim.size_bytes);
    slot = admit(to, victim.key, bytes, resident.guard(0, false));
    if (slot == kNoSlot) {
      if (!victim.dirty || is_store(to)) return;  // a clean copy is dropped
      // Everything here is pinned: the dirty copy passes through to the tier below.
      moves_.move_down(from, to, victim.key, victim.size_bytes, false);
      write_into(to + 1, victim);
      return;
    }
  }
  below.count_written();
  moves_.move_down(from, to, victim.key, victim.size_bytes, false);
  if (victim.dirty) resident.set_dirty(slot, true);
}

bool CacheHierarchy::demote(uint32_t from, const Evicted& victim) {
  const uint32_t to = from + 1;
  ResidentSet<EvictionPolicy>& below = tier(to).resident();
  const Slot slot = below.find(victim.key);
  if (slot != kNoSlot) {
    tier(to).refresh(slot, now());
    return true;
  }
  if (admit(to, victim.key, victim.size_bytes, below.guard(0, false)) == kNoSlot) return false;
  moves_.move_down(from, to, victim.key, victim.size_bytes, true);
  return true;
}

bool CacheHierarchy::held_below(uint32_t t, uint64_t key) const {
  for (uint32_t below = t + 1; below < tiers_.size(); ++below)
    if (tier(below).resident().find(key) != kNoSlot) return true;
  return false;
}

bool CacheHierarchy::held_at_or_above(uint32_t t, uint64_t key) const {
  for (uint32_t above = 0; above <= t; ++above)
    if (tier(above).resident().find(key) != kNoSlot) return true;
  return false;
}

}  // namespace tiersim::models
