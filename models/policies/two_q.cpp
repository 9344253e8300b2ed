// 2Q, the full version (Johnson & Shasha, VLDB'94). A1in is a FIFO of objects seen once,
// Am an LRU of objects seen again, A1out a FIFO of ghosts of objects evicted from A1in.
//   hit in Am: to Am's front;  hit in A1in: nothing (a correlated reference);
//   miss on a key in A1out: into Am;  any other miss: into A1in.
// To make room: while A1in holds more than Kin, its oldest object goes (its key onto
// A1out, which keeps at most Kout keys); otherwise Am's least recent object goes (no
// ghost). Defaults from the paper: Kin = 25 % and Kout = 50 % of the capacity (params
// in_ratio, out_ratio). Ties cannot arise: every choice is the end of a queue.
#include <algorithm>
#include <cmath>
#include <vector>

#include "models/policies/ghost_queue.h"
#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class TwoQ final : public EvictionPolicy {
 public:
  explicit TwoQ(const ConfigNode* parameters) {
    const Parameters p(parameters, {"in_ratio", "out_ratio"});
    in_ratio_ = p.real("in_ratio", 0.25, 0.0, 1.0);
    out_ratio_ = p.real("out_ratio", 0.5, 0.0, 100.0);
  }

  void set_capacity(uint64_t units, bool in_bytes) override {
    in_bytes_ = in_bytes;
    const double c = static_cast<double>(std::min<uint64_t>(units, uint64_t{1} << 52));
    k_in_ = static_cast<uint64_t>(std::floor(c * in_ratio_));
    a1out_.set_capacity(static_cast<uint64_t>(std::floor(c * out_ratio_)));
  }
  void resize(uint32_t slots) override {
    links_.resize(slots);
    key_.resize(slots);
    weight_.resize(slots);
    in_am_.resize(slots);
  }
  void on_miss(const ObjectInfo& object) override {
    pending_key_ = object.key;
    pending_to_am_ = a1out_.erase(object.key) != 0;
  }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    const bool to_am = pending_to_am_ && pending_key_ == object.key;
    pending_to_am_ = false;
    key_[slot] = object.key;
    weight_[slot] = in_bytes_ ? std::max<uint64_t>(object.size_bytes, 1) : 1;
    in_am_[slot] = to_am;
    if (to_am) {
      links_.push_front(am_, slot);
    } else {
      links_.push_front(a1in_, slot);
      a1in_weight_ += weight_[slot];
    }
  }
  void on_hit(Slot slot, const ObjectInfo&) override {
    if (in_am_[slot]) links_.move_to_front(am_, slot);
  }
  void on_remove(Slot slot) override {
    if (in_am_[slot]) {
      links_.unlink(am_, slot);
    } else {
      links_.unlink(a1in_, slot);
      a1in_weight_ -= weight_[slot];
      if (slot == evicting_) a1out_.push(key_[slot], weight_[slot]);
    }
    evicting_ = kNoSlot;
  }
  Slot victim(const EvictionGuard& guard) override {
    Slot slot = kNoSlot;
    if (a1in_weight_ > k_in_ || am_.empty()) slot = links_.oldest_allowed(a1in_, guard);
    if (slot == kNoSlot) slot = links_.oldest_allowed(am_, guard);
    if (slot == kNoSlot) slot = links_.oldest_allowed(a1in_, guard);
    evicting_ = slot;
    return slot;
  }

 private:
  double in_ratio_, out_ratio_;
  bool in_bytes_ = false;
  uint64_t k_in_ = 0;
  SlotLinks links_;
  SlotList a1in_, am_;
  uint64_t a1in_weight_ = 0;
  GhostQueue a1out_;
  std::vector<uint64_t> key_, weight_;
  std::vector<uint8_t> in_am_;
  uint64_t pending_key_ = 0;
  bool pending_to_am_ = false;
  Slot evicting_ = kNoSlot;
};

TIERSIM_REGISTER_POLICY(TwoQ, "2q", "2Q: FIFO for new objects, LRU for re-referenced (params: in_ratio, out_ratio)");

}  // namespace tiersim::models
