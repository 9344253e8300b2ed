#pragma once
// The names under which prefetchers are chosen in configs ("workload.prefetch.name").
// A prefetcher file registers itself with one line:
//   TIERSIM_REGISTER_PREFETCHER(OraclePrefetcher, "oracle", "the next steps of the trace");
#include <memory>
#include <string>

#include "models/prefetchers/i_prefetcher.h"
#include "sim/containers/named_registry.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct PrefetcherEntry {
  std::string name;
  std::string description;
  std::unique_ptr<Prefetcher> (*make)(const ConfigNode* parameters, uint32_t depth);
};

using PrefetcherRegistry = sim::NamedRegistry<PrefetcherEntry>;

template <class P>
std::unique_ptr<Prefetcher> make_prefetcher(const ConfigNode* parameters, uint32_t depth) {
  return std::make_unique<P>(parameters, depth);
}

}  // namespace tiersim::models

#define TIERSIM_REGISTER_PREFETCHER(Class, name, description)                                                         \
  [[maybe_unused]] static const bool tiersim_prefetcher_registered_##Class =                                         \
      ::tiersim::models::PrefetcherRegistry::add({name, description, &::tiersim::models::make_prefetcher<Class>})
