#include "run/provenance.h"

#include "sim/config/json_hash.h"
#include "tiersim/version.h"

namespace tiersim {

void add_provenance(Metrics& row, const nlohmann::json& config, const RunConfig& parsed) {
  row.add("tiersim_version", std::string(kVersion));
  row.add("config_hash", json_hash(config));
  row.add("name", parsed.name);
  row.add("seed", parsed.seed);
  row.add("workload", parsed.workload_type);
}

nlohmann::ordered_json summary_head(const nlohmann::json& config, const std::string& source) {
  nlohmann::ordered_json summary;
  summary["tiersim_version"] = kVersion;
  summary["git_revision"] = kGitRevision;
  summary["config_source"] = source;
  summary["config_hash"] = json_hash(config);
  return summary;
}

}  // namespace tiersim
