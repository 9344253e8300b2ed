#pragma once
// The names under which eviction policies are chosen in configs and on the command line.
// A policy file registers itself with one line (models/policies/register_policy.h):
//   TIERSIM_REGISTER_POLICY(Lru, "lru", "least recently used");
// `tiersim list policies` prints what is registered.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/cache/capacity.h"
#include "models/cache/counting_result.h"
#include "models/policies/i_eviction_policy.h"
#include "sim/containers/named_registry.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

using PolicyFactory = std::unique_ptr<EvictionPolicy> (*)(const ConfigNode* parameters);
using CountingReplay = std::vector<CountingResult> (*)(const TraceOpener&, const std::vector<Capacity>&,
                                                       const ConfigNode* parameters);

struct PolicyEntry {
  std::string name;
  std::string description;
  PolicyFactory make;     // for tiers (virtual dispatch)
  CountingReplay replay;  // for `tiersim cache` (devirtualized)
};

using PolicyRegistry = sim::NamedRegistry<PolicyEntry>;

}  // namespace tiersim::models
