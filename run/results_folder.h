#pragma once
// Writing a simulated run's results folder, all or nothing: results.csv (one row),
// summary.json (config, results, wall-clock figures) and the workload's own files.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "models/workloads/i_workload.h"

namespace tiersim {

// The folder a run writes to when none is given: results/<name>.
std::string default_results_dir(const std::string& name);

// Writes `run` (whose row holds its provenance) into `out_dir`; `config` as run, read from `source`.
void write_run_results(const models::WorkloadRun& run, const nlohmann::json& config, const std::string& source,
                       const std::string& out_dir);

}  // namespace tiersim
