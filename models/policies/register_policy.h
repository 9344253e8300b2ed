#pragma once
// What a policy file includes to register itself: the registry and the devirtualized
// counting path its entry instantiates.
//   TIERSIM_REGISTER_POLICY(Lru, "lru", "least recently used");
#include <memory>

#include "models/cache/counting_replay.h"
#include "models/policies/policy_registry.h"

namespace tiersim::models {

template <class Policy>
std::unique_ptr<EvictionPolicy> make_policy(const ConfigNode* parameters) {
  return std::make_unique<Policy>(parameters);
}

}  // namespace tiersim::models

#define TIERSIM_REGISTER_POLICY(Class, name, description)                                                  \
  [[maybe_unused]] static const bool tiersim_policy_registered_##Class = ::tiersim::models::PolicyRegistry::add( \
      {name, description, &::tiersim::models::make_policy<Class>, &::tiersim::models::replay_counting<Class>})
