// First in, first out: objects leave in insertion order; hits change nothing. Matches
// libCacheSim's FIFO.
#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"

namespace tiersim::models {

class Fifo final : public EvictionPolicy {
 public:
  explicit Fifo(const ConfigNode* parameters) { Parameters(parameters, {}); }

  void resize(uint32_t slots) override { links_.resize(slots); }
  void on_insert(Slot slot, const ObjectInfo&) override { links_.push_front(queue_, slot); }
  void on_hit(Slot, const ObjectInfo&) override {}
  void on_remove(Slot slot) override { links_.unlink(queue_, slot); }
  Slot victim(const EvictionGuard& guard) override { return links_.oldest_allowed(queue_, guard); }
  bool peek_victim(const EvictionGuard& guard, Slot* victim) const override {
    *victim = links_.oldest_allowed(queue_, guard);
    return true;
  }

 private:
  SlotLinks links_;
  SlotList queue_;
};

TIERSIM_REGISTER_POLICY(Fifo, "fifo", "first in, first out");

}  // namespace tiersim::models
