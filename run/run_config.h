#pragma once
// Reading a run's config (the top level of `tiersim run`) into what the simulation needs,
// with every check made before anything is simulated. Shared by `run` and by `sweep`,
// which checks every point's values before running any.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay_spec.h"
#include "models/workloads/kv_cache/kv_serving_spec.h"

namespace tiersim {

struct RunConfig {
  std::string name;
  uint64_t seed = 0;
  models::ExpertReplaySpec workload;         // workload.type "expert_replay"
  std::optional<models::KvServingSpec> kv;   // workload.type "kv_cache"
  models::TopologySpec topology;
};

// Throws InputError naming `source` and the JSON path of the first mistake.
RunConfig parse_run_config(const nlohmann::json& config, const std::string& source);

}  // namespace tiersim
