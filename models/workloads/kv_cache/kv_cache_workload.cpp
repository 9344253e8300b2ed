#include "models/workloads/kv_cache/kv_cache_workload.h"

#include <chrono>

#include "models/tiers/topology.h"
#include "models/workloads/kv_cache/kv_serving.h"
#include "models/workloads/workload_registry.h"
#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

namespace {

std::unique_ptr<WorkloadSpec> parse_kv_cache_workload(const ConfigNode& workload, const ConfigNode& root, uint64_t run_seed,
                                                      TopologySpec& topology) {
  topology = parse_topology(root, /*object_bytes=*/0);  // chunks vary in size
  KvServingSpec spec = parse_kv_serving(workload, topology, run_seed);
  if (topology.has_offline_policy()) {
    root.at("tiers").fail("Belady needs every access's future, which a KV-cache run decides as it goes; choose an online policy");
  }
  return std::make_unique<KvCacheWorkload>(std::move(spec));
}

}  // namespace

WorkloadRun KvCacheWorkload::simulate(const TopologySpec& topology_spec, const std::string& name) const {
  sim::Simulator simulator;
  Topology topology(simulator, topology_spec);
  traces::KvTrace trace;
  const std::unique_ptr<traces::KvRequestSource> source = open_kv_source(spec_, trace);
  KvServing serving(simulator, topology, spec_, trace, *source);

  const auto wall_start = std::chrono::steady_clock::now();
  serving.run();
  WorkloadRun run;
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  run.row.add("model", spec_.model.name);
  run.row.add("kv_bytes_per_token", spec_.model.bytes_per_token());
  run.row.add("block_tokens", spec_.block_tokens);
  run.row.add("chunk_tokens", spec_.chunk_tokens);
  run.row.add("layerwise", spec_.layerwise ? "true" : "false");
  const CompressionSpec& compression = topology_spec.tiers.back().compression;
  run.row.add("compression_ratio", compression.enabled ? compression.ratio : 1.0);
  run.row.append(serving.metrics());
  run.events = simulator.events_processed();
  run.lookups = serving.block_lookups();
  run.lookups_name = "block_lookups";
  run.extra_files = {{"requests.csv", serving.request_log()}, {"histograms.csv", serving.histograms_csv()},
                     {"nodes.csv", serving.nodes_csv()}};
  run.print_summary = [name, topology_spec, row = run.row, wall = run.wall_seconds, events = run.events](const std::string& out_dir) {
    print_kv_cache_summary(name, topology_spec, row, wall, events, out_dir);
  };
  return run;
}

TIERSIM_REGISTER_WORKLOAD(kv_cache, "kv_cache",
                          "KV-cache prefix caching: requests, chunks, layerwise loading, TTFT, S3 limits, cost",
                          &parse_kv_cache_workload);

}  // namespace tiersim::models
