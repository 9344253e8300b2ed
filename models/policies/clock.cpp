// CLOCK (second chance) with a `bits`-bit reference counter, default 1 bit.
// Variant (libCacheSim's Clock): objects sit on a FIFO queue; a new object enters with its
// counter at 0; a hit raises it by one up to 2^bits - 1. To evict, the hand looks at the
// oldest object: if its counter is non-zero it is lowered by one and the object goes back
// to the newest end (its second chance); the first object found at 0 is the victim.
// Objects the guard protects are passed over like referenced ones, without losing credit.
#include <vector>

#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class Clock final : public EvictionPolicy {
 public:
  explicit Clock(const ConfigNode* parameters) {
    const Parameters p(parameters, {"bits"});
    max_count_ = static_cast<uint8_t>((1u << p.count("bits", 1, 1, 7)) - 1);
  }

  void resize(uint32_t slots) override {
    links_.resize(slots);
    count_.resize(slots, 0);
  }
  void on_insert(Slot slot, const ObjectInfo&) override {
    count_[slot] = 0;
    links_.push_front(queue_, slot);
  }
  void on_hit(Slot slot, const ObjectInfo&) override {
    if (count_[slot] < max_count_) ++count_[slot];
  }
  void on_remove(Slot slot) override { links_.unlink(queue_, slot); }
  Slot victim(const EvictionGuard& guard) override {
    uint64_t passed_protected = 0;
    while (!queue_.empty()) {
      const Slot hand = queue_.back;
      if (!guard.allows(hand)) {
        if (++passed_protected > queue_.size) return kNoSlot;  // every object is protected
      } else if (count_[hand] == 0) {
        return hand;
      } else {
        --count_[hand];
        passed_protected = 0;
      }
      links_.move_to_front(queue_, hand);
    }
    return kNoSlot;
  }

 private:
  uint8_t max_count_ = 1;
  SlotLinks links_;
  SlotList queue_;
  std::vector<uint8_t> count_;
};

TIERSIM_REGISTER_POLICY(Clock, "clock", "second chance: FIFO with a reference bit (params: bits)");

}  // namespace tiersim::models
