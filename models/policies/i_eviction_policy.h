#pragma once
// EvictionPolicy: decides which resident object of one cache (a tier) leaves next.
// A policy sees the cache's slots (dense indices of resident objects) and is told of
// every miss, insert, hit and removal; it never owns the objects. Implementations live one
// per file beside this header and register themselves with TIERSIM_REGISTER_POLICY.
//
// Call order for one lookup of `key` at logical time `now` (the access index):
//   hit:  expired(slot, now) is false, then on_hit(slot)
//   miss: on_miss(key) ... victim()/on_remove(victim) while the cache is full ... on_insert
// An object found expired is removed (on_remove) and handled as a miss.
#include <cstdint>

namespace tiersim::models {

using Slot = uint32_t;
inline constexpr Slot kNoSlot = UINT32_MAX;
inline constexpr int64_t kNever = INT64_MAX;  // next_access of an object not used again

// What a policy may know about the object in a slot when it is touched.
struct ObjectInfo {
  uint64_t key;
  uint64_t size_bytes;
  int64_t now;          // logical time of this access (access index), never decreasing
  int64_t next_access;  // index of the object's next access, kNever if none; offline policies only
};

// Which slots may not be evicted right now (objects in use by the current step, or being
// moved). Checked only while a policy walks its candidates.
struct EvictionGuard {
  const uint32_t* use_stamp = nullptr;  // per slot: the step that last used it
  uint32_t current_stamp = 0;           // slots stamped with this are protected
  const uint32_t* pins = nullptr;       // per slot: transfers in flight (pinned if > 0)
  // A policy over a part of the cache (models/policies/partitioned_policy.h) numbers its
  // slots apart: this maps them to the cache's.
  const Slot* to_cache_slot = nullptr;

  bool allows(Slot slot) const {
    if (use_stamp == nullptr && pins == nullptr) return true;
    if (to_cache_slot) slot = to_cache_slot[slot];
    return (use_stamp == nullptr || use_stamp[slot] != current_stamp) && (pins == nullptr || pins[slot] == 0);
  }
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;

  // Offline policies read next_access, which the caller must then supply.
  virtual bool offline() const { return false; }
  // The cache's capacity, in the units objects are counted in: objects, or bytes when
  // `in_bytes` (an object then weighs its size). Called once, before anything else.
  virtual void set_capacity(uint64_t units, bool in_bytes) {
    (void)units;
    (void)in_bytes;
  }
  // The cache now has `slots` slots (it only grows).
  virtual void resize(uint32_t slots) = 0;
  // Whether the policy keeps limits of its own (asked once, when the cache is built); only
  // then is has_room() asked.
  virtual bool limits_room() const { return false; }
  // Whether the object announced by on_miss() fits without an eviction, as far as the
  // policy's own limits go (a partitioned cache's part); the cache checks its own.
  virtual bool has_room(uint64_t size_bytes) const {
    (void)size_bytes;
    return true;
  }
  // `object` (not resident) is about to be inserted: room is made for it next.
  virtual void on_miss(const ObjectInfo& object) { (void)object; }
  virtual void on_insert(Slot slot, const ObjectInfo& object) = 0;
  virtual void on_hit(Slot slot, const ObjectInfo& object) = 0;
  virtual void on_remove(Slot slot) = 0;
  // Whether objects can expire (then expired() is asked on every hit).
  virtual bool expires() const { return false; }
  // Whether the object in `slot` has expired at `now` (expiring policies only).
  virtual bool expired(Slot slot, int64_t now) const {
    (void)slot;
    (void)now;
    return false;
  }
  // The slot to evict next among those `guard` allows, or kNoSlot if none is allowed.
  // The caller removes it (on_remove) before asking again.
  virtual Slot victim(const EvictionGuard& guard) = 0;
  // The slot victim() would return now (kNoSlot: none allowed), found without changing any
  // state; false where the policy cannot tell without a change (a clock's hand moves). For
  // a caller deciding whether an eviction is worth it (the KV store's promotion daemon).
  virtual bool peek_victim(const EvictionGuard& guard, Slot* victim) const {
    (void)guard;
    (void)victim;
    return false;
  }
};

}  // namespace tiersim::models
