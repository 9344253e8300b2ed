#include "models/policies/lru.h"

#include "models/policies/policy_registry.h"
#include "sim/config/config_node.h"

namespace tiersim::models {

Lru::Lru(const ConfigNode* parameters) {
  if (parameters) parameters->allow_only({"name"});
}

TIERSIM_REGISTER_POLICY(Lru, "lru", "least recently used");

}  // namespace tiersim::models
