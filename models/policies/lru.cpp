#include "models/policies/lru.h"

#include "sim/config/plugin_parameters.h"
#include "models/policies/register_policy.h"

namespace tiersim::models {

Lru::Lru(const ConfigNode* parameters) { Parameters(parameters, {}); }

TIERSIM_REGISTER_POLICY(Lru, "lru", "least recently used");

}  // namespace tiersim::models
