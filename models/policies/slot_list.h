#pragma once
// Intrusive doubly linked lists over cache slots: one pair of link arrays shared by several
// lists (a slot is in at most one at a time), so recency queues, FIFO queues and segments
// cost two words per slot and never allocate per access. Front = newest, back = oldest.
#include <cstdint>
#include <vector>

#include "models/policies/i_eviction_policy.h"

namespace tiersim::models {

struct SlotList {
  Slot front = kNoSlot;
  Slot back = kNoSlot;
  uint64_t size = 0;
  bool empty() const { return size == 0; }
};

class SlotLinks {
 public:
  void resize(uint32_t slots) {
    prev_.resize(slots, kNoSlot);
    next_.resize(slots, kNoSlot);
  }

  void push_front(SlotList& list, Slot slot) {
    prev_[slot] = kNoSlot;
    next_[slot] = list.front;
    if (list.front != kNoSlot) prev_[list.front] = slot; else list.back = slot;
    list.front = slot;
    ++list.size;
  }
  void unlink(SlotList& list, Slot slot) {
    const Slot p = prev_[slot], n = next_[slot];
    if (p != kNoSlot) next_[p] = n; else list.front = n;
    if (n != kNoSlot) prev_[n] = p; else list.back = p;
    --list.size;
  }
  void move_to_front(SlotList& list, Slot slot) {
    if (list.front == slot) return;
    unlink(list, slot);
    push_front(list, slot);
  }
  // The next slot toward the front (newer), kNoSlot at the front.
  Slot newer(Slot slot) const { return prev_[slot]; }
  // The oldest slot of `list` that `guard` allows, kNoSlot if none.
  Slot oldest_allowed(const SlotList& list, const EvictionGuard& guard) const {
    Slot s = list.back;
    while (s != kNoSlot && !guard.allows(s)) s = prev_[s];
    return s;
  }

 private:
  std::vector<Slot> prev_, next_;
};

}  // namespace tiersim::models
