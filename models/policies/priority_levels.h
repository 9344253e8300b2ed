#pragma once
// Eviction by priority tag first, then by a policy: objects of the lowest priority go
// first, and within a priority the tier's own policy decides (one instance of it per
// priority in use, each seeing only its own objects). The policy within the priorities
// can be switched while objects are resident: each priority's residents go over to a fresh
// instance of the new policy in the old one's eviction order, first victim first, as if
// inserted in that order (so a policy that orders by insertion or recency keeps the order).
// Not registered: the KV store wraps its tiers' policies in it (models/workloads/kv_store/).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "models/policies/i_eviction_policy.h"

namespace tiersim::models {

class PriorityLevels final : public EvictionPolicy {
 public:
  using Make = std::function<std::unique_ptr<EvictionPolicy>()>;
  using PriorityOf = std::function<int32_t(uint64_t key)>;

  // `priority_of` gives an object's priority when it is inserted.
  PriorityLevels(Make make, PriorityOf priority_of);

  void set_capacity(uint64_t units, bool in_bytes) override;
  void resize(uint32_t slots) override;
  void on_miss(const ObjectInfo& object) override;
  void on_insert(Slot slot, const ObjectInfo& object) override;
  void on_hit(Slot slot, const ObjectInfo& object) override;
  void on_remove(Slot slot) override;
  Slot victim(const EvictionGuard& guard) override;
  bool peek_victim(const EvictionGuard& guard, Slot* victim) const override;
  bool expires() const override { return expires_; }
  bool expired(Slot slot, int64_t now) const override;

  // The resident object in `slot` now has `priority` (its new priority's policy sees it
  // inserted at `now`).
  void set_priority(Slot slot, int32_t priority, int64_t now);
  // From now on `make` builds the policy within each priority.
  void switch_policy(Make make, int64_t now);

 private:
  struct Level {
    int32_t priority;
    std::unique_ptr<EvictionPolicy> policy;
    uint64_t count = 0;
  };
  uint32_t level_of(int32_t priority);  // its index, made on first use (levels_ stay sorted)
  std::unique_ptr<EvictionPolicy> fresh() const;

  Make make_;
  PriorityOf priority_of_;
  bool expires_ = false;  // the policy within expires objects itself (the access-counted ttl)
  uint64_t units_ = UINT64_MAX;
  bool in_bytes_ = false;
  uint32_t slots_ = 0;
  std::vector<Level> levels_;
  std::vector<int32_t> priority_;  // per slot
  std::vector<uint64_t> key_, size_;  // per slot, to hand residents over
};

}  // namespace tiersim::models
