// S3-FIFO (Yang et al., SOSP'23), as libCacheSim's S3FIFO.c. A small FIFO S (10 % of the
// capacity) takes new objects, a main FIFO M the rest; a ghost FIFO G remembers keys of
// objects evicted from S (as many as 90 % of the capacity). Each object has a 2-bit
// access counter (a hit raises it, up to 3).
//   miss on a key in G: into M;  other misses: into S.
//   To make room: if M is over its share or S is empty, M's oldest object is reinserted at
//   M's front with its counter lowered by one while the counter is non-zero, else evicted;
//   otherwise S's oldest object moves to M's front (counter reset) if its counter reached
//   `move_to_main_threshold` (default 2), else it is evicted and its key goes onto G.
// Params: small_ratio, ghost_ratio, move_to_main_threshold. Objects the guard protects
// are passed over (moved to their queue's front unchanged).
#include <algorithm>
#include <cmath>
#include <vector>

#include "models/policies/ghost_queue.h"
#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class S3Fifo final : public EvictionPolicy {
 public:
  explicit S3Fifo(const ConfigNode* parameters) {
    const Parameters p(parameters, {"small_ratio", "ghost_ratio", "move_to_main_threshold"});
    small_ratio_ = p.real("small_ratio", 0.1, 0.0, 1.0);
    ghost_ratio_ = p.real("ghost_ratio", 0.9, 0.0, 100.0);
    threshold_ = static_cast<uint8_t>(p.count("move_to_main_threshold", 2, 1, 3));
  }

  void set_capacity(uint64_t units, bool in_bytes) override {
    in_bytes_ = in_bytes;
    const uint64_t c = std::min<uint64_t>(units, uint64_t{1} << 52);
    small_capacity_ = std::max<uint64_t>(1, static_cast<uint64_t>(std::floor(static_cast<double>(c) * small_ratio_)));
    main_capacity_ = c > small_capacity_ ? c - small_capacity_ : 0;
    ghost_.set_capacity(static_cast<uint64_t>(std::floor(static_cast<double>(c) * ghost_ratio_)));
  }
  void resize(uint32_t slots) override {
    links_.resize(slots);
    key_.resize(slots);
    weight_.resize(slots);
    count_.resize(slots);
    in_main_.resize(slots);
  }
  void on_miss(const ObjectInfo& object) override {
    pending_key_ = object.key;
    pending_to_main_ = ghost_.erase(object.key) != 0;
  }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    key_[slot] = object.key;
    weight_[slot] = in_bytes_ ? std::max<uint64_t>(object.size_bytes, 1) : 1;
    count_[slot] = 0;
    const bool to_main = pending_to_main_ && pending_key_ == object.key;
    pending_to_main_ = false;
    put(slot, to_main);
  }
  void on_hit(Slot slot, const ObjectInfo&) override {
    if (count_[slot] < 3) ++count_[slot];
  }
  void on_remove(Slot slot) override {
    take(slot);
    if (slot == evicting_ && !in_main_[slot]) ghost_.push(key_[slot], weight_[slot]);
    evicting_ = kNoSlot;
  }
  Slot victim(const EvictionGuard& guard) override {
    Slot slot = kNoSlot;
    if (main_weight_ <= main_capacity_ && !small_.empty()) slot = evict_small(guard);
    if (slot == kNoSlot) slot = evict_main(guard);
    if (slot == kNoSlot) slot = evict_small(guard);
    evicting_ = slot;
    return slot;
  }

 private:
  void put(Slot slot, bool main) {
    in_main_[slot] = main;
    links_.push_front(main ? main_ : small_, slot);
    (main ? main_weight_ : small_weight_) += weight_[slot];
  }
  void take(Slot slot) {
    links_.unlink(in_main_[slot] ? main_ : small_, slot);
    (in_main_[slot] ? main_weight_ : small_weight_) -= weight_[slot];
  }
  Slot evict_small(const EvictionGuard& guard) {
    uint64_t passed = 0;
    while (!small_.empty() && passed <= small_.size) {
      const Slot slot = small_.back;
      if (!guard.allows(slot)) {
        links_.move_to_front(small_, slot);
        ++passed;
      } else if (count_[slot] >= threshold_) {
        take(slot);
        count_[slot] = 0;
        put(slot, true);
      } else {
        return slot;
      }
    }
    return kNoSlot;
  }
  Slot evict_main(const EvictionGuard& guard) {
    uint64_t passed = 0;
    while (!main_.empty() && passed <= main_.size) {
      const Slot slot = main_.back;
      if (!guard.allows(slot)) {
        ++passed;
      } else if (count_[slot] >= 1) {
        --count_[slot];
        passed = 0;
      } else {
        return slot;
      }
      links_.move_to_front(main_, slot);
    }
    return kNoSlot;
  }

  double small_ratio_, ghost_ratio_;
  uint8_t threshold_;
  bool in_bytes_ = false;
  uint64_t small_capacity_ = 1, main_capacity_ = 0;
  SlotLinks links_;
  SlotList small_, main_;
  uint64_t small_weight_ = 0, main_weight_ = 0;
  GhostQueue ghost_;
  std::vector<uint64_t> key_, weight_;
  std::vector<uint8_t> count_, in_main_;
  uint64_t pending_key_ = 0;
  bool pending_to_main_ = false;
  Slot evicting_ = kNoSlot;
};

TIERSIM_REGISTER_POLICY(S3Fifo, "s3fifo", "S3-FIFO: small, main and ghost FIFOs (params: small_ratio, ghost_ratio, move_to_main_threshold)");

}  // namespace tiersim::models
