#include "run/run_config.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "models/workloads/workload_registry.h"
#include "sim/config/config_node.h"

namespace tiersim {

RunConfig parse_run_config(const nlohmann::json& config, const std::string& source, const std::string& base_dir) {
  const ConfigNode root(config, "", source, base_dir);
  root.allow_only({"name", "description", "seed", "hardware", "tiers", "links", "inclusion", "workload"});
  RunConfig parsed;
  parsed.name = std::filesystem::path(source).stem().string();
  if (auto n = root.find("name")) parsed.name = n->as_identifier();
  if (auto d = root.find("description")) d->as_string();
  parsed.seed = root.uint_or("seed", 0);
  const ConfigNode workload = root.at("workload");
  std::vector<std::string_view> types;
  for (const models::WorkloadEntry* e : models::WorkloadRegistry::all()) types.push_back(e->name);
  parsed.workload_type = workload.at("type").as_enum(types);
  const models::WorkloadEntry* entry = models::WorkloadRegistry::find(parsed.workload_type);
  parsed.workload = entry->parse(workload, root, parsed.seed, parsed.topology);
  return parsed;
}

}  // namespace tiersim
