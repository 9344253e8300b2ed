// Least frequently used, with an optional decay. Each resident object has an access count
// (1 on insert, +1 per hit); the victim has the lowest count, ties going to the least
// recently used (O(1): one LRU list per distinct count, lists kept in count order).
// Counts are per residency (an evicted object's count is forgotten: "in-cache LFU").
// Decay (params decay_every = N accesses, decay_factor = f): every N accesses all counts
// become max(1, floor(count * f)), so old popularity fades; lists are rebuilt in
// (count, last use) order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class Lfu final : public EvictionPolicy {
 public:
  explicit Lfu(const ConfigNode* parameters) {
    const Parameters p(parameters, {"decay_every", "decay_factor"});
    decay_every_ = p.count("decay_every", 0);
    decay_factor_ = p.real("decay_factor", 0.5, 0.0, 1.0);
    next_decay_ = decay_every_ ? static_cast<int64_t>(decay_every_) : INT64_MAX;
  }

  void resize(uint32_t slots) override {
    links_.resize(slots);
    bucket_of_.resize(slots, kNone);
    last_use_.resize(slots);
  }
  void on_miss(const ObjectInfo& object) override { maybe_decay(object.now); }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    last_use_[slot] = object.now;
    uint32_t b = lowest_;
    if (b == kNone || buckets_[b].count != 1) b = new_bucket(1, kNone, lowest_);
    add(b, slot);
  }
  void on_hit(Slot slot, const ObjectInfo& object) override {
    maybe_decay(object.now);
    last_use_[slot] = object.now;
    const uint32_t from = bucket_of_[slot];
    const uint64_t count = buckets_[from].count + 1;
    uint32_t to = buckets_[from].higher;
    if (to == kNone || buckets_[to].count != count) to = new_bucket(count, from, to);
    remove(slot);
    add(to, slot);
  }
  void on_remove(Slot slot) override { remove(slot); }
  Slot victim(const EvictionGuard& guard) override {
    for (uint32_t b = lowest_; b != kNone; b = buckets_[b].higher) {
      const Slot slot = links_.oldest_allowed(buckets_[b].members, guard);
      if (slot != kNoSlot) return slot;
    }
    return kNoSlot;
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Bucket {
    uint64_t count;
    uint32_t lower, higher;
    SlotList members;
  };

  uint32_t new_bucket(uint64_t count, uint32_t lower, uint32_t higher) {
    uint32_t b;
    if (!free_buckets_.empty()) {
      b = free_buckets_.back();
      free_buckets_.pop_back();
    } else {
      b = static_cast<uint32_t>(buckets_.size());
      buckets_.push_back({});
    }
    buckets_[b] = Bucket{count, lower, higher, {}};
    if (lower != kNone) buckets_[lower].higher = b; else lowest_ = b;
    if (higher != kNone) buckets_[higher].lower = b;
    return b;
  }
  void add(uint32_t b, Slot slot) {
    links_.push_front(buckets_[b].members, slot);
    bucket_of_[slot] = b;
  }
  void remove(Slot slot) {
    const uint32_t b = bucket_of_[slot];
    Bucket& bucket = buckets_[b];
    links_.unlink(bucket.members, slot);
    bucket_of_[slot] = kNone;
    if (!bucket.members.empty()) return;
    if (bucket.lower != kNone) buckets_[bucket.lower].higher = bucket.higher; else lowest_ = bucket.higher;
    if (bucket.higher != kNone) buckets_[bucket.higher].lower = bucket.lower;
    free_buckets_.push_back(b);
  }
  void maybe_decay(int64_t now) {
    if (now < next_decay_) return;
    while (next_decay_ <= now) next_decay_ += static_cast<int64_t>(decay_every_);
    struct Entry {
      uint64_t count;
      int64_t last_use;
      Slot slot;
    };
    std::vector<Entry> entries;
    for (uint32_t b = lowest_; b != kNone; b = buckets_[b].higher) {
      const uint64_t count =
          std::max<uint64_t>(1, static_cast<uint64_t>(std::floor(static_cast<double>(buckets_[b].count) * decay_factor_)));
      for (Slot s = buckets_[b].members.back; s != kNoSlot; s = links_.newer(s)) entries.push_back({count, last_use_[s], s});
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.count != b.count ? a.count < b.count : a.last_use < b.last_use;
    });
    buckets_.clear();
    free_buckets_.clear();
    lowest_ = kNone;
    uint32_t top = kNone;
    for (const Entry& e : entries) {
      if (top == kNone || buckets_[top].count != e.count) top = new_bucket(e.count, top, kNone);
      add(top, e.slot);  // oldest first, so each list ends newest at the front
    }
  }

  uint64_t decay_every_;
  double decay_factor_;
  int64_t next_decay_;
  SlotLinks links_;
  std::vector<Bucket> buckets_;
  std::vector<uint32_t> free_buckets_;
  std::vector<uint32_t> bucket_of_;
  std::vector<int64_t> last_use_;
  uint32_t lowest_ = kNone;
};

TIERSIM_REGISTER_POLICY(Lfu, "lfu", "least frequently used, LRU among equals (params: decay_every, decay_factor)");

}  // namespace tiersim::models
