// TTL expiry: an object lives `ttl` accesses (logical time: accesses to the cache) after
// it was inserted, or after its last hit with refresh_on_hit; a lookup that finds it
// later sees a miss (the object is dropped and fetched again). When room is needed before
// anything has expired, the object that would expire first goes (so: FIFO order, or LRU
// with refresh_on_hit). Params: ttl (accesses, required >= 1), refresh_on_hit.
#include <vector>

#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class Ttl final : public EvictionPolicy {
 public:
  explicit Ttl(const ConfigNode* parameters) {
    const Parameters p(parameters, {"ttl", "refresh_on_hit"});
    ttl_ = static_cast<int64_t>(p.count("ttl", 10000, 1, uint64_t{1} << 62));
    refresh_ = p.flag("refresh_on_hit", false);
  }

  void resize(uint32_t slots) override {
    links_.resize(slots);
    expiry_.resize(slots);
  }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    expiry_[slot] = object.now + ttl_;
    links_.push_front(queue_, slot);
  }
  void on_hit(Slot slot, const ObjectInfo& object) override {
    if (!refresh_) return;
    expiry_[slot] = object.now + ttl_;
    links_.move_to_front(queue_, slot);
  }
  void on_remove(Slot slot) override { links_.unlink(queue_, slot); }
  bool expires() const override { return true; }
  bool expired(Slot slot, int64_t now) const override { return now >= expiry_[slot]; }
  Slot victim(const EvictionGuard& guard) override { return links_.oldest_allowed(queue_, guard); }

 private:
  int64_t ttl_;
  bool refresh_;
  SlotLinks links_;
  SlotList queue_;  // in expiry order: the back expires first
  std::vector<int64_t> expiry_;
};

TIERSIM_REGISTER_POLICY(Ttl, "ttl", "time-to-live expiry, earliest expiry evicted first (params: ttl, refresh_on_hit)");

}  // namespace tiersim::models
