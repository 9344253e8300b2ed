#include "models/policies/partitioned_replay.h"

#include "models/cache/counting_replay.h"
#include "models/policies/partitioned_policy.h"

namespace tiersim::models {

std::vector<CountingResult> replay_partitioned(const TraceOpener& open, const std::vector<Capacity>& capacities,
                                               const PolicyEntry& policy, const ConfigNode* parameters) {
  auto make = [&](const Capacity& c) {
    const bool in_bytes = c.objects == UINT64_MAX;
    return std::make_unique<PartitionedPolicy>([&] { return policy.make(parameters); }, in_bytes ? c.bytes : c.objects, in_bytes);
  };
  return replay_counting_with<PartitionedPolicy>(open, capacities, make, /*policy_holds_limit=*/true);
}

}  // namespace tiersim::models
