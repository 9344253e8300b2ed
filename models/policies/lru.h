#pragma once
// Least recently used: one recency list over slots. A hit or insert moves the slot to the
// front; the victim is the least recent slot the guard allows.
#include "models/policies/i_eviction_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

class Lru final : public EvictionPolicy {
 public:
  explicit Lru(const ConfigNode* parameters);

  void resize(uint32_t slots) override { links_.resize(slots); }
  void on_insert(Slot slot, const ObjectInfo&) override { links_.push_front(queue_, slot); }
  void on_hit(Slot slot, const ObjectInfo&) override { links_.move_to_front(queue_, slot); }
  void on_remove(Slot slot) override { links_.unlink(queue_, slot); }
  Slot victim(const EvictionGuard& guard) override { return links_.oldest_allowed(queue_, guard); }
  bool peek_victim(const EvictionGuard& guard, Slot* victim) const override {
    *victim = links_.oldest_allowed(queue_, guard);
    return true;
  }

 private:
  SlotLinks links_;
  SlotList queue_;
};

}  // namespace tiersim::models
