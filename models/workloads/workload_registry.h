#pragma once
// The names under which workloads are chosen in configs ("workload.type"). A workload's
// folder registers it with one line:
//   TIERSIM_REGISTER_WORKLOAD(kv_cache, "kv_cache", "what it does", &parse_kv_workload);
// `tiersim list workloads` prints what is registered.
#include <string>

#include "models/workloads/i_workload.h"
#include "sim/containers/named_registry.h"

namespace tiersim::models {

struct WorkloadEntry {
  std::string name;
  std::string description;
  WorkloadParser parse;
};

using WorkloadRegistry = sim::NamedRegistry<WorkloadEntry>;

}  // namespace tiersim::models

#define TIERSIM_REGISTER_WORKLOAD(id, name, description, parser)                                                   \
  [[maybe_unused]] static const bool tiersim_workload_registered_##id =                                            \
      ::tiersim::models::WorkloadRegistry::add({name, description, parser})
