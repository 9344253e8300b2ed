#pragma once
// What a run's results say of where they came from: the leading columns of every results
// row and the head of summary.json.
#include <nlohmann/json.hpp>
#include <string>

#include "run/run_config.h"
#include "sim/output/metrics.h"

namespace tiersim {

// tiersim_version, config_hash, name, seed, workload.
void add_provenance(Metrics& row, const nlohmann::json& config, const RunConfig& parsed);

// tiersim_version, git_revision, config_source, config_hash: the first keys of summary.json.
nlohmann::ordered_json summary_head(const nlohmann::json& config, const std::string& source);

}  // namespace tiersim
