// ARC, adaptive replacement cache (Megiddo & Modha, FAST'03), as libCacheSim's ARC.c.
// T1 holds objects seen once recently, T2 objects seen at least twice; B1 and B2 are the
// ghosts of their evictions. The target size p of T1 is real-valued, as in the paper, and
// adapts on ghost hits:
//   hit in B1: p += max(|B2| / |B1|, 1), capped at c;
//   hit in B2: p -= max(|B1| / |B2|, 1), floored at 0;
// and the object is inserted into T2 (else into T1). Room is made by
//   REPLACE: if T1 is non-empty and (|T1| > p, or |T1| == p and the object came from B2),
//            T1's least recent object moves to B1, else T2's least recent moves to B2;
// which runs directly after a ghost hit, and otherwise after the paper's case IV:
//   |T1| + |B1| + size > c: if |T1| < c drop B1's oldest ghost and REPLACE,
//                           else evict T1's least recent object with no ghost;
//   otherwise:              if |T1| + |T2| + |B1| + |B2| >= 2c drop B2's oldest ghost; REPLACE.
// Sizes count objects (or bytes for byte-capacity caches). With the guard, the least
// recent allowed object of the chosen list is taken, or of the other list if none is.
#include <algorithm>
#include <vector>

#include "models/policies/ghost_queue.h"
#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class Arc final : public EvictionPolicy {
 public:
  explicit Arc(const ConfigNode* parameters) { Parameters(parameters, {}); }

  void set_capacity(uint64_t units, bool in_bytes) override {
    c_ = static_cast<int64_t>(std::min<uint64_t>(units, uint64_t{1} << 61));
    in_bytes_ = in_bytes;
  }
  void resize(uint32_t slots) override {
    links_.resize(slots);
    key_.resize(slots);
    weight_.resize(slots);
    in_t2_.resize(slots);
  }
  void on_miss(const ObjectInfo& object) override {
    pending_key_ = object.key;
    pending_weight_ = weight_of(object);
    from_b1_ = from_b2_ = replaced_ = false;
    const int64_t b1 = static_cast<int64_t>(b1_.weight()), b2 = static_cast<int64_t>(b2_.weight());
    if (b1_.erase(object.key)) {
      from_b1_ = true;
      p_ = std::min(p_ + std::max(static_cast<double>(b2) / static_cast<double>(b1), 1.0), static_cast<double>(c_));
    } else if (b2_.erase(object.key)) {
      from_b2_ = true;
      p_ = std::max(p_ - std::max(static_cast<double>(b1) / static_cast<double>(b2), 1.0), 0.0);
    }
    pending_ = true;
  }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    const bool ghost_hit = pending_ && pending_key_ == object.key && (from_b1_ || from_b2_);
    pending_ = false;
    key_[slot] = object.key;
    weight_[slot] = weight_of(object);
    in_t2_[slot] = ghost_hit;
    links_.push_front(ghost_hit ? t2_ : t1_, slot);
    (ghost_hit ? t2_weight_ : t1_weight_) += weight_[slot];
  }
  void on_hit(Slot slot, const ObjectInfo&) override {
    if (in_t2_[slot]) {
      links_.move_to_front(t2_, slot);
      return;
    }
    links_.unlink(t1_, slot);
    t1_weight_ -= weight_[slot];
    in_t2_[slot] = 1;
    links_.push_front(t2_, slot);
    t2_weight_ += weight_[slot];
  }
  void on_remove(Slot slot) override {
    if (in_t2_[slot]) {
      links_.unlink(t2_, slot);
      t2_weight_ -= weight_[slot];
    } else {
      links_.unlink(t1_, slot);
      t1_weight_ -= weight_[slot];
    }
    if (slot == evicting_ && ghost_on_evict_) (in_t2_[slot] ? b2_ : b1_).push(key_[slot], weight_[slot]);
    evicting_ = kNoSlot;
  }
  Slot victim(const EvictionGuard& guard) override {
    if (pending_ && (from_b1_ || from_b2_) && !replaced_) {
      replaced_ = true;
      return replace(guard);
    }
    const int64_t b1 = static_cast<int64_t>(b1_.weight()), b2 = static_cast<int64_t>(b2_.weight());
    const int64_t incoming = pending_ ? static_cast<int64_t>(pending_weight_) : 1;
    if (t1_weight_ + b1 + incoming > c_) {
      if (t1_weight_ < c_) {
        b1_.pop_oldest();
        return replace(guard);
      }
      return choose(links_.oldest_allowed(t1_, guard), false);
    }
    if (t1_weight_ + t2_weight_ + b1 + b2 >= 2 * c_) b2_.pop_oldest();
    return replace(guard);
  }

 private:
  uint64_t weight_of(const ObjectInfo& object) const { return in_bytes_ ? std::max<uint64_t>(object.size_bytes, 1) : 1; }

  Slot replace(const EvictionGuard& guard) {
    const double t1 = static_cast<double>(t1_weight_);
    const bool from_t1 = t1_.size > 0 && (t1 > p_ || (t1 == p_ && from_b2_));
    Slot slot = links_.oldest_allowed(from_t1 ? t1_ : t2_, guard);
    if (slot == kNoSlot) slot = links_.oldest_allowed(from_t1 ? t2_ : t1_, guard);
    return choose(slot, true);
  }
  Slot choose(Slot slot, bool ghost) {
    evicting_ = slot;
    ghost_on_evict_ = ghost;
    return slot;
  }

  int64_t c_ = INT64_MAX / 4;
  bool in_bytes_ = false;
  double p_ = 0;  // T1's target size
  SlotLinks links_;
  SlotList t1_, t2_;
  int64_t t1_weight_ = 0, t2_weight_ = 0;
  GhostQueue b1_, b2_;
  std::vector<uint64_t> key_, weight_;
  std::vector<uint8_t> in_t2_;
  // The object being brought in (between on_miss and on_insert).
  bool pending_ = false, from_b1_ = false, from_b2_ = false, replaced_ = false;
  uint64_t pending_key_ = 0, pending_weight_ = 1;
  Slot evicting_ = kNoSlot;
  bool ghost_on_evict_ = false;
};

TIERSIM_REGISTER_POLICY(Arc, "arc", "adaptive replacement cache (Megiddo & Modha)");

}  // namespace tiersim::models
