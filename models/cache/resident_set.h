#pragma once
// The objects resident in one cache: a key -> slot map, per-slot metadata (key, size,
// dirty bit, last-use stamp) and the eviction policy that orders the slots. Templated on
// the policy type: with a concrete `final` policy (the counting path) every policy call
// is direct; with EvictionPolicy (the tier model, chosen at run time) it is virtual.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/cache/capacity.h"
#include "models/policies/i_eviction_policy.h"
#include "sim/containers/flat_map.h"

namespace tiersim::models {

struct Evicted {
  Slot slot = kNoSlot;  // now free
  uint64_t key = 0;
  uint64_t size_bytes = 0;
  bool dirty = false;
};

template <class Policy>
class ResidentSet {
 public:
  ResidentSet(Policy& policy, Capacity capacity) : policy_(policy), capacity_(capacity) {
    const bool in_bytes = capacity.objects == UINT64_MAX && capacity.bytes != UINT64_MAX;
    policy_.set_capacity(in_bytes ? capacity.bytes : capacity.objects, in_bytes);
    expires_ = policy_.expires();
    limits_room_ = policy_.limits_room();
  }

  Slot find(uint64_t key) const {
    const Slot* s = map_.find(key);
    return s ? *s : kNoSlot;
  }

  void hit(Slot slot, int64_t now = 0, int64_t next_access = kNever) {
    policy_.on_hit(slot, ObjectInfo{key_[slot], size_[slot], now, next_access});
  }
  // Tells the policy that `key` is about to be inserted (room is made for it next).
  void miss(uint64_t key, uint64_t size_bytes, int64_t now = 0, int64_t next_access = kNever) {
    policy_.on_miss(ObjectInfo{key, size_bytes, now, next_access});
  }
  bool expired(Slot slot, int64_t now) const { return expires_ && policy_.expired(slot, now); }

  // Room for `size_bytes` more without evicting.
  bool fits(uint64_t size_bytes) const {
    const uint64_t limit = capacity_.bytes - reserved_;
    return count_ < capacity_.objects && used_bytes_ <= limit && size_bytes <= limit - used_bytes_ &&
           (!limits_room_ || policy_.has_room(size_bytes));
  }
  // Bytes of a byte capacity held by something else (a training step's activations in
  // HBM): objects get what is left. Clamped to the capacity; an object capacity ignores it.
  void set_reserved(uint64_t bytes) {
    reserved_ = capacity_.bytes == UINT64_MAX ? 0 : std::min(bytes, capacity_.bytes);
  }
  uint64_t reserved() const { return reserved_; }
  bool over_capacity() const { return used_bytes_ > capacity_.bytes - reserved_; }
  // Whether the object could be cached at all (else it bypasses the cache).
  bool can_ever_fit(uint64_t size_bytes) const { return capacity_.objects > 0 && size_bytes <= capacity_.bytes; }

  // Inserts an absent key; the caller has made room (fits() holds).
  Slot insert(uint64_t key, uint64_t size_bytes, int64_t now = 0, int64_t next_access = kNever) {
    Slot slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<Slot>(key_.size());
      grow_to(slot + 1);
    }
    key_[slot] = key;
    size_[slot] = size_bytes;
    dirty_[slot] = 0;
    stamp_[slot] = 0;
    pins_[slot] = 0;
    map_.insert(key, slot);
    ++count_;
    used_bytes_ += size_bytes;
    policy_.on_insert(slot, ObjectInfo{key, size_bytes, now, next_access});
    return slot;
  }

  // Removes the policy's victim among slots the guard allows. Returns false (and removes
  // nothing) when every resident object is protected.
  bool evict(const EvictionGuard& guard, Evicted* out) {
    const Slot slot = policy_.victim(guard);
    if (slot == kNoSlot) return false;
    if (pins_[slot] != 0) throw std::logic_error("eviction policy chose a pinned object");
    if (out) *out = Evicted{slot, key_[slot], size_[slot], dirty_[slot] != 0};
    remove(slot);
    return true;
  }

  void remove(Slot slot) {
    policy_.on_remove(slot);
    map_.erase(key_[slot]);
    --count_;
    used_bytes_ -= size_[slot];
    free_.push_back(slot);
  }

  bool dirty(Slot slot) const { return dirty_[slot] != 0; }
  void set_dirty(Slot slot, bool dirty) { dirty_[slot] = dirty ? 1 : 0; }
  void stamp(Slot slot, uint32_t stamp) { stamp_[slot] = stamp; }
  // Pinned objects (transfers in flight) are never evicted; pins nest.
  void pin(Slot slot) { pinned_ += pins_[slot]++ == 0 ? 1 : 0; }
  void unpin(Slot slot) { pinned_ -= --pins_[slot] == 0 ? 1 : 0; }
  uint64_t pinned_count() const { return pinned_; }
  uint32_t pins(Slot slot) const { return pins_[slot]; }
  // Protects pinned objects, and those stamped `current` when `protect_stamped`.
  EvictionGuard guard(uint32_t current, bool protect_stamped) const {
    return EvictionGuard{protect_stamped ? stamp_.data() : nullptr, current, pins_.data()};
  }

  uint64_t key(Slot slot) const { return key_[slot]; }
  uint64_t size_bytes(Slot slot) const { return size_[slot]; }
  uint64_t count() const { return count_; }
  uint64_t used_bytes() const { return used_bytes_; }
  const Capacity& capacity() const { return capacity_; }

  // Calls fn(slot) for every resident slot, in slot order.
  template <class Fn>
  void for_each_resident(Fn&& fn) const {
    std::vector<bool> is_free(key_.size(), false);
    for (Slot s : free_) is_free[s] = true;
    for (Slot s = 0; s < key_.size(); ++s)
      if (!is_free[s]) fn(s);
  }

 private:
  void grow_to(size_t slots) {
    size_t n = key_.empty() ? 16 : key_.size();
    while (n < slots) n *= 2;
    if (capacity_.objects < n) n = std::max<size_t>(slots, static_cast<size_t>(capacity_.objects));
    // Slots beyond the current end are handed out in order, so keep them on the free list.
    const size_t old = key_.size();
    key_.resize(n);
    size_.resize(n);
    dirty_.resize(n);
    stamp_.resize(n);
    pins_.resize(n);
    policy_.resize(static_cast<uint32_t>(n));
    for (size_t s = n; s-- > old + 1;) free_.push_back(static_cast<Slot>(s));
  }

  Policy& policy_;
  Capacity capacity_;
  sim::FlatMap<Slot> map_;
  std::vector<uint64_t> key_, size_;
  std::vector<uint8_t> dirty_;
  std::vector<uint32_t> stamp_, pins_;
  std::vector<Slot> free_;
  uint64_t count_ = 0;
  uint64_t used_bytes_ = 0;
  uint64_t reserved_ = 0;
  uint64_t pinned_ = 0;  // slots with pins
  bool expires_ = false;
  bool limits_room_ = false;  // the policy has limits of its own (has_room)
};

}  // namespace tiersim::models
