// `tiersim run`: load a config, simulate its workload over its topology, write
// DIR/results.csv (one row) and DIR/summary.json, print a short summary.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "models/workloads/kv_cache/kv_serving.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/config/json_hash.h"
#include "sim/config/load_config.h"
#include "sim/config/units.h"
#include "app/commands.h"
#include "run/run_config.h"
#include "sim/engine/simulator.h"
#include "sim/output/metrics.h"
#include "sim/output/results_writer.h"
#include "traces/next_access.h"
#include "tiersim/version.h"

namespace tiersim {

namespace {

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", 100.0 * fraction);
  return text;
}

double number(const Metrics& m, const std::string& name) { return m.number(name); }

void print_summary(const std::string& name, const models::Topology& topology, const models::ExpertReplaySpec& spec,
                   const Metrics& m, double wall_seconds, uint64_t events, const std::string& out_dir) {
  const bool training = spec.mode == models::ExpertReplaySpec::Mode::kTraining;
  std::printf("tiersim run: %s (expert_replay, %s, %s)\n", name.c_str(), training ? "training" : "inference",
              spec.overlap == models::ExpertReplaySpec::Overlap::kSerial ? "serial" : "pipelined");
  const double accesses = number(m, "accesses");
  std::printf("  %.0f steps, %.0f accesses: %.6g s simulated in %.3f s wall (%.3g accesses/s, %llu events, %.3g events/s)\n",
              number(m, "steps"), accesses, number(m, "sim_time_s"), wall_seconds,
              wall_seconds > 0 ? accesses / wall_seconds : 0.0, static_cast<unsigned long long>(events),
              wall_seconds > 0 ? static_cast<double>(events) / wall_seconds : 0.0);
  std::printf("  step time: mean %.6g us, p50 %.6g us, p99 %.6g us; stall %s of step time\n", number(m, "step_time_mean_us"),
              number(m, "step_time_p50_us"), number(m, "step_time_p99_us"), percent(number(m, "stall_fraction")).c_str());
  for (uint32_t t = 0; t < topology.tier_count(); ++t) {
    const std::string& n = topology.tier(t).name();
    if (t == topology.backing_tier()) {
      std::printf("  %-10s backing store: %.0f reads, %.0f writes\n", n.c_str(), number(m, n + "_reads"), number(m, n + "_writes"));
    } else {
      std::printf("  %-10s hit ratio %.4f (%.0f hits, %.0f misses, %.0f evictions, %.0f write-backs)\n", n.c_str(),
                  number(m, n + "_hit_ratio"), number(m, n + "_hits"), number(m, n + "_misses"), number(m, n + "_evictions"),
                  number(m, n + "_writebacks"));
    }
  }
  for (size_t i = 0; i < topology.link_count(); ++i) {
    const std::string& n = topology.link(i).spec().name;
    std::printf("  link %-10s %s in %.0f transfers, utilization %s, latency p50 %.6g us, p99 %.6g us\n", n.c_str(),
                sim::units::format_bytes(static_cast<uint64_t>(number(m, n + "_bytes"))).c_str(), number(m, n + "_transfers"),
                percent(number(m, n + "_utilization")).c_str(), number(m, n + "_latency_p50_us"),
                number(m, n + "_latency_p99_us"));
  }
  if (training) std::printf("  final flush of dirty objects: %.6g s\n", number(m, "flush_time_s"));
  std::printf("results: %s/results.csv and %s/summary.json\n", out_dir.c_str(), out_dir.c_str());
}

void print_kv_summary(const std::string& name, const models::Topology& topology, const Metrics& m, double wall_seconds,
                      uint64_t events, const std::string& out_dir) {
  std::printf("tiersim run: %s (kv_cache, chunks of %.0f tokens, %s per token)\n", name.c_str(), number(m, "chunk_tokens"),
              sim::units::format_bytes(static_cast<uint64_t>(number(m, "kv_bytes_per_token"))).c_str());
  const double lookups = number(m, "block_lookups");
  std::printf("  %.0f requests, %.0f block lookups: %.6g s simulated in %.3f s wall (%.3g lookups/s, %llu events)\n",
              number(m, "requests"), lookups, number(m, "sim_time_s"), wall_seconds, wall_seconds > 0 ? lookups / wall_seconds : 0.0,
              static_cast<unsigned long long>(events));
  std::printf("  hit ratio %.4f by blocks, %.4f by tokens; prefill tokens saved %s\n", number(m, "hit_ratio_blocks"),
              number(m, "hit_ratio_tokens"), percent(number(m, "prefill_saved_fraction")).c_str());
  std::printf("  TTFT mean %.6g ms, p50 %.6g ms, p90 %.6g ms, p99 %.6g ms; throughput %.4g requests/s\n",
              number(m, "ttft_mean_us") / 1e3, number(m, "ttft_p50_us") / 1e3, number(m, "ttft_p90_us") / 1e3,
              number(m, "ttft_p99_us") / 1e3, number(m, "throughput_rps"));
  for (uint32_t t = 0; t < topology.tier_count(); ++t) {
    const std::string& n = topology.tier(t).name();
    std::printf("  %-10s served %.4f of blocks (%.4f of tokens); %.0f inserts, %.0f evictions, %.0f written back; %s stored at the end\n",
                n.c_str(), number(m, n + "_hit_ratio_blocks"), number(m, n + "_hit_ratio_tokens"), number(m, n + "_inserts"),
                number(m, n + "_evictions"), number(m, n + "_writebacks"),
                sim::units::format_bytes(static_cast<uint64_t>(number(m, n + "_stored_bytes_end"))).c_str());
  }
  for (size_t i = 0; i < topology.link_count(); ++i) {
    const std::string& n = topology.link(i).spec().name;
    std::printf("  link %-10s %s in %.0f transfers, utilization %s\n", n.c_str(),
                sim::units::format_bytes(static_cast<uint64_t>(number(m, n + "_bytes"))).c_str(), number(m, n + "_transfers"),
                percent(number(m, n + "_utilization")).c_str());
  }
  std::printf("  object store: %.0f GETs, %.0f PUTs, %.0f throttled; cost $%.6g (storage $%.6g, requests $%.6g)\n",
              number(m, "store_get_requests"), number(m, "store_put_requests"), number(m, "store_throttled"),
              number(m, "total_cost_usd"), number(m, "storage_cost_usd"), number(m, "request_cost_usd"));
  std::printf("results: %s/results.csv and %s/summary.json\n", out_dir.c_str(), out_dir.c_str());
}

}  // namespace

RunConfig parse_run_config(const nlohmann::json& config, const std::string& source) {
  const ConfigNode root(config, "", source);
  root.allow_only({"name", "description", "seed", "hardware", "tiers", "links", "workload"});
  RunConfig parsed;
  parsed.name = std::filesystem::path(source).stem().string();
  if (auto n = root.find("name")) parsed.name = n->as_identifier();
  if (auto d = root.find("description")) d->as_string();
  parsed.seed = root.uint_or("seed", 0);
  const ConfigNode workload = root.at("workload");
  if (workload.at("type").as_enum({"expert_replay", "kv_cache"}) == "kv_cache") {
    parsed.topology = models::parse_topology(root, /*object_bytes=*/0);  // chunks vary in size
    parsed.kv = models::parse_kv_serving(workload, parsed.topology, parsed.seed);
    return parsed;
  }
  parsed.workload = models::parse_expert_replay(workload, parsed.seed);
  parsed.topology = models::parse_topology(root, parsed.workload.expert_bytes);
  return parsed;
}

// Everything one simulation produced, for run_simulation() to write and print.
struct SimulationDetails {
  const std::string& name;
  const Metrics& row;
  double wall_seconds;
  uint64_t events;
  uint64_t lookups;  // accesses (expert replay) or block lookups (KV cache)
  const char* lookups_name;
  std::vector<std::pair<std::string, std::string>> extra_files;  // name, contents (written when not empty)
  std::function<void(const std::string& out_dir)> print_summary;
};

namespace {

void add_provenance(Metrics& row, const nlohmann::json& config, const RunConfig& parsed, const char* workload) {
  row.add("tiersim_version", std::string(kVersion));
  row.add("config_hash", json_hash(config));
  row.add("name", parsed.name);
  row.add("seed", parsed.seed);
  row.add("workload", workload);
}

Metrics simulate_expert_replay(const nlohmann::json& config, const std::string& source, const RunConfig& parsed,
                               const std::function<void(const SimulationDetails&)>& details) {
  const models::ExpertReplaySpec& spec = parsed.workload;
  const ConfigNode root(config, "", source);

  sim::Simulator simulator;
  models::Topology topology(simulator, parsed.topology, root,
                            /*needs_writeback=*/spec.mode == models::ExpertReplaySpec::Mode::kTraining);
  if (spec.seed001_counters && topology.tier_count() != 3) {
    root.at("workload").at("seed001_counters").fail("seed 001's counters need exactly three tiers (GPU, CPU, disk), this config has " +
                                                    std::to_string(topology.tier_count()));
  }
  std::unique_ptr<traces::TraceReader> trace = models::open_replay_trace(spec);
  if (topology.has_offline_policy()) {  // Belady: a first pass learns each access's next use
    std::vector<int64_t> next = traces::next_access_indices(*trace);
    trace = std::make_unique<traces::WithNextAccess>(models::open_replay_trace(spec), std::move(next));
  }
  models::ExpertReplay replay(simulator, topology, spec, *trace);

  const auto wall_start = std::chrono::steady_clock::now();
  replay.run();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  Metrics row;
  add_provenance(row, config, parsed, "expert_replay");
  row.add("mode", spec.mode == models::ExpertReplaySpec::Mode::kTraining ? "training" : "inference");
  row.add("overlap", spec.overlap == models::ExpertReplaySpec::Overlap::kSerial ? "serial" : "pipelined");
  row.add("expert_bytes", spec.expert_bytes);
  row.append(replay.metrics());
  if (details) {
    details(SimulationDetails{parsed.name, row, wall_seconds, simulator.events_processed(), replay.accesses(), "accesses",
                              {{"timeseries.csv", replay.timeseries_csv()}, {"unavailable.log", replay.unavailable_log()}}, [&](const std::string& out_dir) {
                                print_summary(parsed.name, topology, spec, row, wall_seconds, simulator.events_processed(), out_dir);
                              }});
  }
  return row;
}

Metrics simulate_kv_cache(const nlohmann::json& config, const std::string& source, const RunConfig& parsed,
                          const std::function<void(const SimulationDetails&)>& details) {
  const models::KvServingSpec& spec = *parsed.kv;
  const ConfigNode root(config, "", source);
  sim::Simulator simulator;
  models::Topology topology(simulator, parsed.topology, root, /*needs_writeback=*/false);
  if (topology.has_offline_policy()) {
    root.at("tiers").fail("Belady needs every access's future, which a KV-cache run decides as it goes; choose an online policy");
  }
  const traces::KvTrace trace = models::load_kv_trace(spec);
  models::KvServing serving(simulator, topology, spec, trace);

  const auto wall_start = std::chrono::steady_clock::now();
  serving.run();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  Metrics row;
  add_provenance(row, config, parsed, "kv_cache");
  row.add("model", spec.model.name);
  row.add("kv_bytes_per_token", spec.model.bytes_per_token());
  row.add("block_tokens", spec.block_tokens);
  row.add("chunk_tokens", spec.chunk_tokens);
  row.add("layerwise", spec.layerwise ? "true" : "false");
  row.add("compression_ratio", spec.compression.enabled ? spec.compression.ratio : 1.0);
  row.append(serving.metrics());
  if (details) {
    details(SimulationDetails{parsed.name, row, wall_seconds, simulator.events_processed(), serving.block_lookups(), "block_lookups",
                              {{"requests.csv", serving.request_log()}},
                              [&](const std::string& out_dir) {
                                print_kv_summary(parsed.name, topology, row, wall_seconds, simulator.events_processed(), out_dir);
                              }});
  }
  return row;
}

}  // namespace

Metrics simulate_config(const nlohmann::json& config, const std::string& source,
                        const std::function<void(const SimulationDetails&)>& details) {
  const RunConfig parsed = parse_run_config(config, source);
  return parsed.kv ? simulate_kv_cache(config, source, parsed, details) : simulate_expert_replay(config, source, parsed, details);
}

int run_simulation(const nlohmann::json& config, const std::string& source, const std::string& out_dir_option, bool quiet) {
  simulate_config(config, source, [&](const SimulationDetails& d) {
    // Wall-clock figures vary run to run, so they stay out of results.csv (which must be
    // byte-identical for the same config and seed) and go to summary.json only.
    nlohmann::ordered_json summary;
    summary["tiersim_version"] = kVersion;
    summary["git_revision"] = kGitRevision;
    summary["config_source"] = source;
    summary["config_hash"] = json_hash(config);
    summary["config"] = config;
    nlohmann::ordered_json results;
    d.row.to_json(results);
    summary["results"] = results;
    const double wall = d.wall_seconds;
    summary["performance"] = {{"wall_s", wall},
                              {"events", d.events},
                              {"events_per_s", wall > 0 ? static_cast<double>(d.events) / wall : 0.0},
                              {std::string(d.lookups_name) + "_per_s", wall > 0 ? static_cast<double>(d.lookups) / wall : 0.0}};

    const std::string out_dir = out_dir_option.empty() ? "results/" + d.name : out_dir_option;
    ResultsWriter writer(out_dir);
    writer.stage("results.csv", d.row.csv_header() + "\n" + d.row.csv_row() + "\n");
    writer.stage("summary.json", summary.dump(2) + "\n");
    for (const auto& [file, contents] : d.extra_files)
      if (!contents.empty()) writer.stage(file, contents);
    writer.commit();
    if (!quiet) d.print_summary(out_dir);
  });
  return 0;
}

int run_command(const RunCommand& command) {
  const nlohmann::json config = load_config(command.config_path, command.overrides);
  return run_simulation(config, command.config_path, command.out_dir, command.quiet);
}

}  // namespace tiersim
