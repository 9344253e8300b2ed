// The KV-cache store driven through its API as a registered workload ("workload.type":
// "kv_store"). Every cache tier's policy is wrapped in PriorityLevels, reading the
// priorities the calls tag entries with.
#include <chrono>
#include <memory>

#include "models/policies/priority_levels.h"
#include "models/tiers/topology.h"
#include "models/workloads/i_workload.h"
#include "models/workloads/kv_store/kv_store.h"
#include "models/workloads/kv_store/kv_store_summary.h"
#include "models/workloads/workload_registry.h"
#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"
#include "traces/kv/api_trace.h"

namespace tiersim::models {

namespace {

class KvStoreWorkload final : public WorkloadSpec {
 public:
  explicit KvStoreWorkload(KvStoreSpec spec) : spec_(std::move(spec)) {}
  WorkloadRun simulate(const TopologySpec& topology_spec, const std::string& name) const override;

 private:
  KvStoreSpec spec_;
};

// Each cache tier must write its victims down, as the store's evict messages.
void require_write_down_links(const ConfigNode& root, const TopologySpec& topology) {
  for (uint32_t t = 0; t + 1 < topology.tiers.size(); ++t) {
    if (link_between(topology.links, t, t + 1) == kNoLink) {
      root.at("links").fail("the store writes tier \"" + topology.tiers[t].name + "\"'s victims down to \"" + topology.tiers[t + 1].name +
                            "\" (its evict messages): add a link from \"" + topology.tiers[t].name + "\" to \"" +
                            topology.tiers[t + 1].name + "\"");
    }
  }
}

std::unique_ptr<WorkloadSpec> parse_kv_store_workload(const ConfigNode& workload, const ConfigNode& root, uint64_t,
                                                      TopologySpec& topology) {
  topology = parse_topology(root, /*object_bytes=*/0);  // blocks vary in size (a partial last block)
  if (topology.exclusive) {
    root.at("inclusion").fail("the store keeps tier 2's copy of what a load refills (it is inclusive); remove \"inclusion\"");
  }
  KvStoreSpec spec = parse_kv_store(workload, topology);
  require_write_down_links(root, topology);
  return std::make_unique<KvStoreWorkload>(std::move(spec));
}

WorkloadRun KvStoreWorkload::simulate(const TopologySpec& topology_spec, const std::string& name) const {
  const traces::ApiTrace calls = load_api_calls(spec_, topology_spec);
  sim::FlatMap<KvEntryTags> tags;
  TopologySpec wrapped = topology_spec;
  for (size_t t = 0; t + 1 < wrapped.tiers.size(); ++t) {
    wrapped.tiers[t].make_policy = [inner = topology_spec.tiers[t].make_policy, book = &tags] {
      return std::make_unique<PriorityLevels>(inner, [book](uint64_t key) {
        const KvEntryTags* tags = book->find(key);
        return tags ? tags->priority : 0;
      });
    };
  }
  sim::Simulator simulator;
  Topology topology(simulator, wrapped);
  KvStore store(simulator, topology, spec_, calls, tags);
  const auto wall_start = std::chrono::steady_clock::now();
  store.run();
  WorkloadRun run;
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  run.row.add("model", spec_.model.name);
  run.row.add("kv_bytes_per_token", spec_.model.bytes_per_token());
  run.row.add("block_tokens", spec_.block_tokens);
  run.row.append(store.metrics());
  run.events = simulator.events_processed();
  run.lookups = store.block_lookups();
  run.lookups_name = "block_lookups";
  run.extra_files = {{"histograms.csv", store.histograms_csv()}};
  run.print_summary = [name, topology_spec, row = run.row, wall = run.wall_seconds, events = run.events](const std::string& out_dir) {
    print_kv_store_summary(name, topology_spec, row, wall, events, out_dir);
  };
  return run;
}

}  // namespace

TIERSIM_REGISTER_WORKLOAD(kv_store, "kv_store",
                          "the KV-cache store's API replayed (load, store, query, delete, priorities, TTLs, policy switches)",
                          &parse_kv_store_workload);

}  // namespace tiersim::models
