// Belady's MIN (offline optimal for object-count caches): the victim is the resident
// object whose next access is furthest in the future; objects never accessed again go
// first. As in libCacheSim's Belady, the missing object is always inserted (no bypass).
// Ties only arise among objects never accessed again, and which of those goes does not
// change the miss count. Reads each access's next-access index (a first pass over the
// trace computes it).
#include <vector>

#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "sim/containers/indexed_heap.h"

namespace tiersim::models {

class Belady final : public EvictionPolicy {
 public:
  explicit Belady(const ConfigNode* parameters) { Parameters(parameters, {}); }

  bool offline() const override { return true; }
  void resize(uint32_t slots) override { heap_.resize(slots); }
  // The heap is a min-heap: the furthest next access has the smallest key.
  void on_insert(Slot slot, const ObjectInfo& object) override { heap_.push(slot, -object.next_access); }
  void on_hit(Slot slot, const ObjectInfo& object) override { heap_.update(slot, -object.next_access); }
  void on_remove(Slot slot) override { heap_.erase(slot); }
  Slot victim(const EvictionGuard& guard) override {
    const uint32_t slot = heap_.smallest_allowed([&](uint32_t s) { return guard.allows(s); });
    return slot == sim::IndexedHeap<int64_t>::kAbsent ? kNoSlot : slot;
  }

 private:
  sim::IndexedHeap<int64_t> heap_;
};

TIERSIM_REGISTER_POLICY(Belady, "belady", "Belady's MIN, offline optimal: evicts the furthest next use (reads the future)");

}  // namespace tiersim::models
