#pragma once
// The names under which eviction policies are chosen in configs and on the command line.
// A policy file registers itself with one line:
//   TIERSIM_REGISTER_POLICY(Lru, "lru", "least recently used");
// `tiersim list policies` prints what is registered.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/cache/counting_replay.h"
#include "models/policies/i_eviction_policy.h"
#include "sim/containers/named_registry.h"

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

template <class Policy>
std::unique_ptr<EvictionPolicy> make_policy(const ConfigNode* parameters) {
  return std::make_unique<Policy>(parameters);
}

}  // namespace tiersim::models

#define TIERSIM_REGISTER_POLICY(Class, name, description)                                                  \
  [[maybe_unused]] static const bool tiersim_policy_registered_##Class = ::tiersim::models::PolicyRegistry::add( \
      {name, description, &::tiersim::models::make_policy<Class>, &::tiersim::models::replay_counting<Class>})
