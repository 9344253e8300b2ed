#pragma once
// Reading a run's config (the top level of `tiersim run`) into what the simulation needs,
// with every check made before anything is simulated. Shared by `run`, by `sweep` (which
// checks every point before running any) and by the real backend.
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "models/tiers/topology.h"
#include "models/workloads/i_workload.h"

namespace tiersim {

struct RunConfig {
  std::string name;
  uint64_t seed = 0;
  std::string workload_type;  // workload.type, a registered workload
  std::shared_ptr<const models::WorkloadSpec> workload;
  models::TopologySpec topology;

  // The workload as its own spec type, or null when it is another workload.
  template <class Workload>
  const Workload* workload_as() const {
    return dynamic_cast<const Workload*>(workload.get());
  }
};

// Throws InputError naming `source` and the JSON path of the first mistake. Relative file
// paths in the config are read from `base_dir` (the config file's folder; empty: the
// current directory).
RunConfig parse_run_config(const nlohmann::json& config, const std::string& source, const std::string& base_dir);

}  // namespace tiersim
