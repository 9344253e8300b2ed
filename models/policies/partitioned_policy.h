#pragma once
// A cache split into parts, each with its own capacity and its own instance of a policy:
// "partition": "layer" on a tier gives every MoE layer `capacity` experts of its own (a
// per-layer cache, as offloading systems such as Mixtral-offloading build it). An object's
// part is its layer (the key's upper 32 bits: traces/access.h). A victim is always taken
// from the part the incoming object belongs to, so parts never borrow from each other.
// The parts number their slots apart (a part's policy holds only its own objects); the
// guard's slot map turns them back into the cache's slots.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "models/policies/i_eviction_policy.h"

namespace tiersim::models {

class PartitionedPolicy final : public EvictionPolicy {
 public:
  static constexpr uint32_t kMaxParts = 1u << 16;

  // `make` builds one part's policy; each part holds `units` objects (or bytes, when
  // `in_bytes`).
  PartitionedPolicy(std::function<std::unique_ptr<EvictionPolicy>()> make, uint64_t units, bool in_bytes);

  static uint32_t part_of(uint64_t key) { return static_cast<uint32_t>(key >> 32); }

  bool offline() const override { return offline_; }
  void resize(uint32_t slots) override { cache_part_.resize(slots, {kNoPart, 0, 0}); }
  void on_miss(const ObjectInfo& object) override;
  bool limits_room() const override { return true; }
  bool has_room(uint64_t size_bytes) const override;
  void on_insert(Slot slot, const ObjectInfo& object) override;
  void on_hit(Slot slot, const ObjectInfo& object) override;
  void on_remove(Slot slot) override;
  bool expires() const override { return expires_; }
  bool expired(Slot slot, int64_t now) const override;
  Slot victim(const EvictionGuard& guard) override;

  uint64_t part_capacity() const { return units_; }
  // Calls fn(cache slot) for every object of `key`'s part.
  template <class Fn>
  void for_each_in_part(uint64_t key, Fn&& fn) const {
    const uint32_t index = part_of(key);
    if (index >= parts_.size()) return;
    for (Slot s : parts_[index].cache_slot)
      if (s != kNoSlot) fn(s);
  }

 private:
  static constexpr uint32_t kNoPart = UINT32_MAX;
  struct Part {
    std::unique_ptr<EvictionPolicy> policy;
    std::vector<Slot> cache_slot;  // part slot -> cache slot
    std::vector<Slot> free;        // part slots to reuse
    uint64_t used = 0;             // objects, or bytes
    uint64_t count = 0;
  };
  struct Where {
    uint32_t part;
    Slot slot;
    uint64_t units;  // what the object counts against its part's capacity
  };
  Part& part(uint32_t index);

  std::function<std::unique_ptr<EvictionPolicy>()> make_;
  uint64_t units_;
  bool in_bytes_;
  bool offline_, expires_;
  std::vector<Part> parts_;
  std::vector<Where> cache_part_;  // cache slot -> (part, part slot)
  uint32_t incoming_ = 0;          // the part of the object on_miss() announced
};

}  // namespace tiersim::models
