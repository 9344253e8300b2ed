#include "models/policies/priority_levels.h"

#include <algorithm>

namespace tiersim::models {

PriorityLevels::PriorityLevels(Make make, PriorityOf priority_of) : make_(std::move(make)), priority_of_(std::move(priority_of)) {
  expires_ = make_()->expires();
}

bool PriorityLevels::expired(Slot slot, int64_t now) const {
  const auto it = std::lower_bound(levels_.begin(), levels_.end(), priority_[slot], [](const Level& l, int32_t p) { return l.priority < p; });
  return it != levels_.end() && it->priority == priority_[slot] && it->policy->expired(slot, now);
}

std::unique_ptr<EvictionPolicy> PriorityLevels::fresh() const {
  std::unique_ptr<EvictionPolicy> p = make_();
  // Every priority may grow to the whole cache: each instance is sized for all of it.
  p->set_capacity(units_, in_bytes_);
  if (slots_) p->resize(slots_);
  return p;
}

void PriorityLevels::set_capacity(uint64_t units, bool in_bytes) {
  units_ = units;
  in_bytes_ = in_bytes;
  for (Level& l : levels_) l.policy->set_capacity(units, in_bytes);
}

void PriorityLevels::resize(uint32_t slots) {
  slots_ = slots;
  priority_.resize(slots, 0);
  key_.resize(slots, 0);
  size_.resize(slots, 0);
  for (Level& l : levels_) l.policy->resize(slots);
}

uint32_t PriorityLevels::level_of(int32_t priority) {
  auto it = std::lower_bound(levels_.begin(), levels_.end(), priority, [](const Level& l, int32_t p) { return l.priority < p; });
  if (it == levels_.end() || it->priority != priority) it = levels_.insert(it, Level{priority, fresh(), 0});
  return static_cast<uint32_t>(it - levels_.begin());
}

void PriorityLevels::on_miss(const ObjectInfo& object) { levels_[level_of(priority_of_(object.key))].policy->on_miss(object); }

void PriorityLevels::on_insert(Slot slot, const ObjectInfo& object) {
  const int32_t priority = priority_of_(object.key);
  Level& level = levels_[level_of(priority)];
  priority_[slot] = priority;
  key_[slot] = object.key;
  size_[slot] = object.size_bytes;
  ++level.count;
  level.policy->on_insert(slot, object);
}

void PriorityLevels::on_hit(Slot slot, const ObjectInfo& object) { levels_[level_of(priority_[slot])].policy->on_hit(slot, object); }

void PriorityLevels::on_remove(Slot slot) {
  Level& level = levels_[level_of(priority_[slot])];
  --level.count;
  level.policy->on_remove(slot);
}

Slot PriorityLevels::victim(const EvictionGuard& guard) {
  for (Level& l : levels_) {
    if (l.count == 0) continue;
    const Slot v = l.policy->victim(guard);
    if (v != kNoSlot) return v;
  }
  return kNoSlot;
}

bool PriorityLevels::peek_victim(const EvictionGuard& guard, Slot* victim) const {
  for (const Level& l : levels_) {
    if (l.count == 0) continue;
    if (!l.policy->peek_victim(guard, victim)) return false;
    if (*victim != kNoSlot) return true;
  }
  *victim = kNoSlot;
  return true;
}

void PriorityLevels::set_priority(Slot slot, int32_t priority, int64_t now) {
  if (priority_[slot] == priority) return;
  on_remove(slot);
  Level& level = levels_[level_of(priority)];
  priority_[slot] = priority;
  ++level.count;
  level.policy->on_insert(slot, ObjectInfo{key_[slot], size_[slot], now, kNever});
}

void PriorityLevels::switch_policy(Make make, int64_t now) {
  make_ = std::move(make);
  for (Level& l : levels_) {
    std::vector<Slot> order;
    while (order.size() < l.count) {
      const Slot v = l.policy->victim(EvictionGuard{});
      if (v == kNoSlot) break;  // cannot happen with nothing protected; keeps a broken policy from looping
      l.policy->on_remove(v);
      order.push_back(v);
    }
    l.policy = fresh();
    l.count = order.size();
    for (Slot s : order) l.policy->on_insert(s, ObjectInfo{key_[s], size_[s], now, kNever});
  }
}

}  // namespace tiersim::models
