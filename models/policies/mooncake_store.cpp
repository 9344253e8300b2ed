// Mooncake Store's eviction, modelled on its master service (read in kvcache-ai/Mooncake at
// 3b5a594133958449a1feaf1c9e0fc1b553e34a28, mooncake-store/src/master_service.cpp:
// EvictionThreadFunc and BatchEvict; defaults in mooncake-store/include/types.h). Nothing
// is evicted until the used share of the pool would pass the high watermark
// (eviction_high_watermark_ratio, 0.90); then a batch goes at once:
//     ceil(objects x max(eviction_ratio, used - high_watermark + eviction_ratio))
// objects (eviction_ratio 0.05), those with the earliest lease timeouts first. A lease is
// granted (extended to now + the lease) on every read and at the put, so the order is
// least recently used; objects still under lease are kept. Mooncake's lease is a wall-clock
// ttl (10 s) that protects objects being read: the simulator pins objects in flight, so the
// lease here counts accesses (logical time) and is 0 by default. When everything is leased
// or pinned nothing is evicted and the put fails (the object is not stored), as Mooncake's
// allocation does. Soft pins and replica placement are not modelled.
// Params: high_watermark, eviction_ratio, lease.
#include <cmath>
#include <vector>

#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"
#include "sim/config/plugin_parameters.h"

namespace tiersim::models {

class MooncakeStore final : public EvictionPolicy {
 public:
  explicit MooncakeStore(const ConfigNode* parameters) {
    const Parameters p(parameters, {"high_watermark", "eviction_ratio", "lease"});
    high_watermark_ = p.real("high_watermark", 0.90, 0.0, 1.0);
    eviction_ratio_ = p.real("eviction_ratio", 0.05, 0.0, 1.0);
    lease_ = static_cast<int64_t>(p.count("lease", 0, 0, uint64_t{1} << 62));
  }

  void set_capacity(uint64_t units, bool in_bytes) override {
    capacity_ = static_cast<double>(units);
    in_bytes_ = in_bytes;
  }
  void resize(uint32_t slots) override {
    links_.resize(slots);
    lease_until_.resize(slots);
    units_.resize(slots);
  }
  void on_miss(const ObjectInfo& object) override { now_ = object.now; }
  // A batch starts when the incoming object would take the pool past the watermark, and
  // runs to its end before anything comes in.
  bool limits_room() const override { return true; }
  bool has_room(uint64_t size_bytes) const override {
    if (batch_left_ > 0) return false;
    const double incoming = in_bytes_ ? static_cast<double>(size_bytes) : 1.0;
    const double used = (static_cast<double>(used_) + incoming) / capacity_;
    if (used <= high_watermark_ || count_ == 0) return true;
    const double target = std::max(eviction_ratio_, used - high_watermark_ + eviction_ratio_);
    batch_left_ = static_cast<uint64_t>(std::ceil(static_cast<double>(count_) * target));
    return batch_left_ == 0;
  }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    now_ = object.now;
    units_[slot] = in_bytes_ ? object.size_bytes : 1;
    used_ += units_[slot];
    ++count_;
    lease_until_[slot] = now_ + lease_;
    links_.push_front(queue_, slot);
  }
  void on_hit(Slot slot, const ObjectInfo& object) override {
    now_ = object.now;
    grant_lease(slot);
    links_.move_to_front(queue_, slot);
  }
  void on_remove(Slot slot) override {
    links_.unlink(queue_, slot);
    used_ -= units_[slot];
    --count_;
  }
  Slot victim(const EvictionGuard& guard) override {
    Slot s = queue_.back;
    while (s != kNoSlot && (!guard.allows(s) || lease_until_[s] > now_)) s = links_.newer(s);
    if (s == kNoSlot) {
      batch_left_ = 0;  // nothing evictable: the batch ends short, the put fails
      return kNoSlot;
    }
    if (batch_left_ > 0) --batch_left_;
    return s;
  }

 private:
  void grant_lease(Slot slot) { lease_until_[slot] = std::max(lease_until_[slot], now_ + lease_); }

  double high_watermark_, eviction_ratio_;
  int64_t lease_;
  double capacity_ = 1;
  bool in_bytes_ = false;
  uint64_t used_ = 0, count_ = 0;
  mutable uint64_t batch_left_ = 0;  // objects still to evict in the running batch
  int64_t now_ = 0;
  SlotLinks links_;
  SlotList queue_;  // by lease timeout: the back expires first
  std::vector<int64_t> lease_until_;
  std::vector<uint64_t> units_;
};

TIERSIM_REGISTER_POLICY(MooncakeStore, "mooncake_store",
                        "Mooncake Store's batch eviction past a high watermark, earliest lease first (params: high_watermark, "
                        "eviction_ratio, lease)");

}  // namespace tiersim::models
