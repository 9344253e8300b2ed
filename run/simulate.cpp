#include "run/simulate.h"

#include <nlohmann/json.hpp>

#include "run/provenance.h"

namespace tiersim {

models::WorkloadRun simulate(const RunConfig& parsed, const nlohmann::json& config) {
  models::WorkloadRun run = parsed.workload->simulate(parsed.topology, parsed.name);
  Metrics row;
  add_provenance(row, config, parsed);
  row.append(run.row);
  run.row = std::move(row);
  return run;
}

Metrics simulate_config(const nlohmann::json& config, const std::string& source, const std::string& base_dir) {
  return simulate(parse_run_config(config, source, base_dir), config).row;
}

}  // namespace tiersim
