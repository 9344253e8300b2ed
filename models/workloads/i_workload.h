#pragma once
// Workload: what a run replays over the tier topology (MoE expert routing, KV-cache
// requests, ...). A workload reads its config block ("workload", chosen by
// "workload.type") and the topology it needs into a checked WorkloadSpec, which then
// simulates itself. Implementations live one folder each under models/workloads/ and
// register with TIERSIM_REGISTER_WORKLOAD (models/workloads/workload_registry.h).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/output/metrics.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct TopologySpec;

// What one simulated run produced.
struct WorkloadRun {
  Metrics row;  // the workload's columns; the run's provenance goes before them
  uint64_t events = 0;
  uint64_t lookups = 0;       // the run's unit of work (accesses, block lookups), for speed figures
  std::string lookups_name;   // its name: "accesses"
  double wall_seconds = 0;    // the simulation alone
  std::vector<std::pair<std::string, std::string>> extra_files;  // name, contents; written when not empty
  // Prints the short summary `tiersim run` shows; `out_dir` is where the results went.
  std::function<void(const std::string& out_dir)> print_summary;
};

// A workload block, parsed and checked against its topology.
class WorkloadSpec {
 public:
  virtual ~WorkloadSpec() = default;
  // Simulates it over `topology` (the spec it was parsed with); `name` is the run's.
  virtual WorkloadRun simulate(const TopologySpec& topology, const std::string& name) const = 0;
};

// Reads config["workload"] (`workload`) and the topology it runs over (from `root`, with
// models/tiers/topology.h's parse_topology and whatever object size the workload gives it).
// Throws InputError naming the JSON path of the first mistake.
using WorkloadParser = std::unique_ptr<WorkloadSpec> (*)(const ConfigNode& workload, const ConfigNode& root,
                                                         uint64_t run_seed, TopologySpec& topology);

}  // namespace tiersim::models
