#pragma once
// Simulating a parsed config: the one place a run's results row is put together
// (provenance first, then the workload's columns). Used by `tiersim run`, `sweep` and
// the real backend's prediction.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "models/workloads/i_workload.h"
#include "run/run_config.h"
#include "sim/output/metrics.h"

namespace tiersim {

// Simulates `parsed` (read from `config`); the run's row starts with its provenance.
models::WorkloadRun simulate(const RunConfig& parsed, const nlohmann::json& config);

// Parses and simulates `config` (already loaded, overrides applied; `source` names it in
// errors, `base_dir` is where its relative paths are read from) and returns its results row.
Metrics simulate_config(const nlohmann::json& config, const std::string& source, const std::string& base_dir);

}  // namespace tiersim
