#pragma once
// Least recently used: a doubly linked recency list over slots. A hit or insert moves the
// slot to the most-recent end; the victim is the least recent slot the guard allows.
#include <vector>

#include "models/policies/i_eviction_policy.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

class Lru final : public EvictionPolicy {
 public:
  explicit Lru(const ConfigNode* parameters);

  void resize(uint32_t slots) override {
    prev_.resize(slots, kNoSlot);
    next_.resize(slots, kNoSlot);
  }
  void on_insert(Slot slot, const ObjectInfo&) override { push_front(slot); }
  void on_hit(Slot slot, const ObjectInfo&) override {
    if (head_ == slot) return;
    unlink(slot);
    push_front(slot);
  }
  void on_remove(Slot slot) override { unlink(slot); }
  Slot victim(const EvictionGuard& guard) override {
    Slot s = tail_;
    while (s != kNoSlot && !guard.allows(s)) s = prev_[s];
    return s;
  }

 private:
  void push_front(Slot slot) {
    prev_[slot] = kNoSlot;
    next_[slot] = head_;
    if (head_ != kNoSlot) prev_[head_] = slot; else tail_ = slot;
    head_ = slot;
  }
  void unlink(Slot slot) {
    const Slot p = prev_[slot], n = next_[slot];
    if (p != kNoSlot) next_[p] = n; else head_ = n;
    if (n != kNoSlot) prev_[n] = p; else tail_ = p;
  }

  std::vector<Slot> prev_, next_;
  Slot head_ = kNoSlot;  // most recent
  Slot tail_ = kNoSlot;  // least recent
};

}  // namespace tiersim::models
