// Priority score (the warm-tier protocol's eviction): every object has a score from its
// frequency and recency with weights, and the lowest score is evicted:
//   score(t) = w_f * log2(F(t)) + w_r * (-(t - last_use) / H)
//   F(t)     = sum over the object's accesses i of 2^(-(t - t_i) / H)   (decayed frequency)
// with H the half life in accesses. Both terms fall at the same rate 1/H as time passes, so
// the ranking never changes between accesses and the score is kept time-free:
//   key = w_f * log2(sum 2^(t_i / H)) + w_r * last_use / H
// in an indexed heap. A hit only raises an object's key, so the heap is updated lazily: a
// hit records the new key (O(1)), and an eviction that finds a stale key at the top
// re-sifts that object and looks again. Stale keys are never above the true ones, so the
// victim is exactly the lowest true key. w_r = 0 gives decayed LFU, w_f = 0 LRU.
// The score alone is the key: every access has its own time, so two objects tie only by a
// floating-point coincidence, and then the heap's (deterministic) order decides. Frequency
// is per residency. The weights may not both be zero.
// Params: weight_recency, weight_frequency (>= 0), half_life (accesses, > 0).
#include <cmath>
#include <vector>

#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "sim/containers/indexed_heap.h"

namespace tiersim::models {

class PriorityScore final : public EvictionPolicy {
 public:
  explicit PriorityScore(const ConfigNode* parameters) {
    const Parameters p(parameters, {"weight_recency", "weight_frequency", "half_life"});
    w_recency_ = p.real("weight_recency", 1.0, 0.0, 1e6);
    w_frequency_ = p.real("weight_frequency", 1.0, 0.0, 1e6);
    half_life_ = p.real("half_life", 1000.0, 1e-9, 1e18);
    if (w_recency_ == 0 && w_frequency_ == 0) parameters->fail("weight_recency and weight_frequency cannot both be 0");
  }

  void resize(uint32_t slots) override {
    heap_.resize(slots);
    log_frequency_.resize(slots);
    key_.resize(slots);
  }
  void on_insert(Slot slot, const ObjectInfo& object) override {
    log_frequency_[slot] = scaled(object.now);
    key_[slot] = key(slot, object.now);
    heap_.push(slot, key_[slot]);
  }
  void on_hit(Slot slot, const ObjectInfo& object) override {
    // log2(2^a + 2^b) without overflow.
    const double a = log_frequency_[slot], b = scaled(object.now);
    const double high = std::max(a, b), low = std::min(a, b);
    log_frequency_[slot] = high + std::log2(1.0 + std::exp2(low - high));
    key_[slot] = key(slot, object.now);  // the heap catches up when this reaches its top
  }
  void on_remove(Slot slot) override { heap_.erase(slot); }
  Slot victim(const EvictionGuard& guard) override {
    for (;;) {
      const uint32_t slot = heap_.smallest_allowed([&](uint32_t s) { return guard.allows(s); });
      if (slot == sim::IndexedHeap<Key>::kAbsent) return kNoSlot;
      if (heap_.key(slot) == key_[slot]) return slot;
      heap_.update(slot, key_[slot]);  // stale: put it where its true key belongs
    }
  }

 private:
  using Key = double;  // the time-free score
  double scaled(int64_t now) const { return static_cast<double>(now) / half_life_; }
  Key key(Slot slot, int64_t now) const { return w_frequency_ * log_frequency_[slot] + w_recency_ * scaled(now); }

  double w_recency_, w_frequency_, half_life_;
  sim::IndexedHeap<Key> heap_;       // keys as of insertion or the last re-sift
  std::vector<Key> key_;              // true keys
  std::vector<double> log_frequency_;  // log2(sum 2^(t_i / H))
};

TIERSIM_REGISTER_POLICY(PriorityScore, "priority",
                        "the warm-tier protocol's score from decayed frequency and recency (params: weight_recency, weight_frequency, half_life)");

}  // namespace tiersim::models
