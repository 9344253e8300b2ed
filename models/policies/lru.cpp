#include "models/policies/lru.h"

#include "models/policies/policy_registry.h"
#include "sim/config/config_node.h"

namespace tiersim::models {

Lru::Lru(const ConfigNode* parameters) {
  if (parameters) parameters->allow_only({"name"});
}

std::vector<Slot> Lru::order_lru_first() const {
  std::vector<Slot> order;
  for (Slot s = tail_; s != kNoSlot; s = prev_[s]) order.push_back(s);
  return order;
}

TIERSIM_REGISTER_POLICY(Lru, "lru", "least recently used");

}  // namespace tiersim::models
