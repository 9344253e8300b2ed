#pragma once
// The counting path of a cache partitioned by layer (models/policies/partitioned_policy.h):
// each capacity is per layer, each layer its own instance of the registered policy.
#include <vector>

#include "models/cache/counting_result.h"
#include "models/policies/policy_registry.h"

namespace tiersim::models {

std::vector<CountingResult> replay_partitioned(const TraceOpener& open, const std::vector<Capacity>& capacities,
                                               const PolicyEntry& policy, const ConfigNode* parameters);

}  // namespace tiersim::models
