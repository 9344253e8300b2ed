#pragma once
// EvictionPolicy: decides which resident object of one cache (a tier) leaves next.
// A policy sees the cache's slots (dense indices of resident objects) and is told of
// every insert, hit and removal; it never owns the objects. Implementations live one per
// file beside this header and register themselves with TIERSIM_REGISTER_POLICY.
#include <cstdint>

namespace tiersim::models {

using Slot = uint32_t;
inline constexpr Slot kNoSlot = UINT32_MAX;

// What a policy may know about the object in a slot when it is touched.
struct ObjectInfo {
  uint64_t key;
  uint64_t size_bytes;
  int64_t next_access;  // -1 if unknown or never; only offline policies use it
};

// Which slots may not be evicted right now (objects in use by the current step, or being
// moved). Checked only while a policy walks its candidates.
struct EvictionGuard {
  const uint32_t* use_stamp = nullptr;  // per slot: the step that last used it
  uint32_t current_stamp = 0;           // slots stamped with this are protected

  bool allows(Slot slot) const { return use_stamp == nullptr || use_stamp[slot] != current_stamp; }
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;

  // The cache now has `slots` slots (it only grows).
  virtual void resize(uint32_t slots) = 0;
  virtual void on_insert(Slot slot, const ObjectInfo& object) = 0;
  virtual void on_hit(Slot slot, const ObjectInfo& object) = 0;
  virtual void on_remove(Slot slot) = 0;
  // The slot to evict next among those `guard` allows, or kNoSlot if none is allowed.
  virtual Slot victim(const EvictionGuard& guard) = 0;
};

}  // namespace tiersim::models
