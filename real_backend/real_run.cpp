#include "real_backend/real_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/warm_tier.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "models/workloads/expert_replay/expert_replay_workload.h"
#include "real_backend/clock.h"
#include "real_backend/cpu_placement.h"
#include "real_backend/cuda_backend.h"
#include "real_backend/data_checker.h"
#include "real_backend/expert_catalog.h"
#include "real_backend/machine_checks.h"
#include "real_backend/memcpy_executor.h"
#include "real_backend/prediction.h"
#include "real_backend/profile_steadiness.h"
#include "real_backend/real_link.h"
#include "real_backend/realtime_loop.h"
#include "real_backend/tier_store.h"
#include "real_backend/uring_executor.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/config/json_hash.h"
#include "sim/config/load_config.h"
#include "sim/config/units.h"
#include "run/simulate.h"
#include "sim/engine/simulator.h"
#include "sim/output/metrics.h"
#include "sim/output/results_writer.h"
#include "tiersim/version.h"

namespace tiersim::real {

namespace {

constexpr uint64_t kAlign = 4096;  // O_DIRECT: sizes and offsets in whole 4 KiB blocks
uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }

// The config as the real run executes it: byte capacities turned into slots (so shrinking
// the experts keeps every tier's number of experts), experts and chunks scaled and
// rounded to whole 4 KiB blocks.
nlohmann::json scaled_config(const nlohmann::json& config, const std::string& source, double scale) {
  const ConfigNode root(config, "", source);
  const ConfigNode workload = root.at("workload");
  if (auto warm = workload.find("warm_tier")) {
    warm->fail("the real backend does not run SPEC-023's warm tier (its corrupted reads and published versions are simulated "
               "events); remove workload.warm_tier to run this config for real");
  }
  if (!workload.has("expert_bytes")) {
    workload.fail("the real backend moves experts of one size: set workload.expert_bytes");
  }
  const uint64_t expert_bytes = workload.at("expert_bytes").as_bytes();
  nlohmann::json out = config;
  nlohmann::json& tiers = out["tiers"];
  for (size_t i = 0; i + 1 < tiers.size(); ++i) {
    nlohmann::json& capacity = tiers[i]["capacity"];
    if (capacity.is_string() && capacity.get<std::string>().find("slots") == std::string::npos) {
      capacity = root.at("tiers").at(i).at("capacity").as_bytes() / expert_bytes;
    }
  }
  const uint64_t scaled = round_up(std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(static_cast<double>(expert_bytes) * scale))), kAlign);
  out["workload"]["expert_bytes"] = scaled;
  if (auto chunk = workload.find("chunk_bytes")) {
    const uint64_t bytes = chunk->as_bytes();
    if (bytes > 0) {
      out["workload"]["chunk_bytes"] =
          round_up(std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(static_cast<double>(bytes) * scale))), kAlign);
    }
  }
  return out;
}

// The backing store's files outlive a run, so that a later run reads what an earlier one
// wrote (and finds any byte changed in between). The manifest says which experts the
// files hold, at which version; it is removed while a run may write them.
struct Manifest {
  std::string path;
  bool matches(uint64_t bytes, bool single_file, const ExpertCatalog& catalog, std::vector<uint64_t>& versions) const {
    std::ifstream in(path);
    if (!in) return false;
    try {
      const nlohmann::json m = nlohmann::json::parse(in);
      if (m.at("expert_bytes").get<uint64_t>() != bytes || m.at("single_file").get<bool>() != single_file) return false;
      const nlohmann::json& experts = m.at("experts");
      if (experts.size() != catalog.size()) return false;
      versions.assign(catalog.size(), 0);
      for (uint32_t i = 0; i < catalog.size(); ++i) {
        if (experts[i].at(0).get<uint64_t>() != catalog.key(i)) return false;
        versions[i] = experts[i].at(1).get<uint64_t>();
      }
      return true;
    } catch (const nlohmann::json::exception&) {
      return false;
    }
  }
  void write(uint64_t bytes, bool single_file, const ExpertCatalog& catalog, const std::vector<uint64_t>& versions) const {
    nlohmann::json m;
    m["expert_bytes"] = bytes;
    m["single_file"] = single_file;
    nlohmann::json experts = nlohmann::json::array();
    for (uint32_t i = 0; i < catalog.size(); ++i) experts.push_back({catalog.key(i), versions[i]});
    m["experts"] = experts;
    write_file_atomically(path, m.dump() + "\n");
  }
  void remove() const { std::filesystem::remove(path); }
};

}  // namespace

double parse_scale(const std::string& text) {
  double value = 0;
  const size_t slash = text.find('/');
  try {
    size_t used = 0;
    if (slash == std::string::npos) {
      value = std::stod(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
    } else {
      const double top = std::stod(text.substr(0, slash), &used);
      if (used != slash) throw std::invalid_argument(text);
      const std::string bottom_text = text.substr(slash + 1);
      const double bottom = std::stod(bottom_text, &used);
      if (used != bottom_text.size() || bottom <= 0) throw std::invalid_argument(text);
      value = top / bottom;
    }
  } catch (const std::logic_error&) {
    throw InputError("--scale: expected a fraction like 1/64 or a number in (0, 1], got \"" + text + "\"");
  }
  if (!(value > 0 && value <= 1)) throw InputError("--scale: expected a factor in (0, 1], got \"" + text + "\"");
  return value;
}

int run_real(const RealRunOptions& options) {
  const double scale = parse_scale(options.scale);
  uint64_t block_size = 0;
  try {
    block_size = sim::units::parse_bytes(options.block_size);
  } catch (const std::exception& e) {
    throw InputError("--block-size: " + std::string(e.what()));
  }
  if (block_size == 0 || block_size % kAlign != 0 || block_size > (1ull << 30)) {
    throw InputError("--block-size: expected a multiple of 4 KiB up to 1 GiB, got \"" + options.block_size + "\"");
  }
  if (options.queue_depth == 0 || options.queue_depth > 4096) throw InputError("--queue-depth: expected 1 to 4096");
  if (options.streams == 0 || options.streams > 64) throw InputError("--streams: expected 1 to 64");

  const nlohmann::json original = load_config(options.config_path, options.overrides);
  // Every mistake is reported against the config as written.
  const RunConfig as_written = parse_run_config(original, options.config_path);
  if (!as_written.workload_as<models::ExpertReplayWorkload>()) {
    throw InputError(options.config_path + ": workload.type: the real backend replays \"expert_replay\" workloads; a \"" +
                     as_written.workload_type + "\" run is simulated only");
  }
  const nlohmann::json config = scaled_config(original, options.config_path, scale);
  const RunConfig parsed = parse_run_config(config, options.config_path);
  const models::ExpertReplaySpec& spec = parsed.workload_as<models::ExpertReplayWorkload>()->spec();
  const bool training = spec.mode == models::ExpertReplaySpec::Mode::kTraining;
  const uint64_t bytes = spec.expert_bytes;
  const std::string out_dir = options.out_dir.empty() ? "results/" + parsed.name + "-real" : options.out_dir;
  const std::string nvme_dir = options.nvme_dir.empty() ? out_dir + "/nvme" : options.nvme_dir;

  // Before any thread starts, so that every one inherits the set.
  const std::string cpus = options.cpus.empty() ? "" : pin_to_cpus("--cpus", options.cpus);
  std::unique_ptr<traces::TraceReader> catalog_trace = models::open_replay_trace(spec);
  const ExpertCatalog catalog(*catalog_trace);
  const uint32_t tier_count = static_cast<uint32_t>(parsed.topology.tiers.size());
  const uint32_t backing = tier_count - 1;
  const uint64_t store_bytes = uint64_t{catalog.size()} * bytes;

  // Media: tier 0 on the GPU (or host memory standing in for HBM), the tiers between in
  // host memory, the backing store in O_DIRECT files.
  const bool on_gpu = options.gpu >= 0;
  std::string gpu_name;
  if (on_gpu) gpu_name = gpu_description(options.gpu);
  require_memory(store_bytes * (on_gpu ? backing - 1 : backing) + bytes, "holding " + std::to_string(catalog.size()) + " experts of " +
                                                                            sim::units::format_bytes(bytes) + " in each memory tier");
  require_direct_io_dir(nvme_dir, store_bytes);

  std::vector<std::unique_ptr<TierStore>> stores;
  std::vector<std::string> tier_names, media;
  for (uint32_t t = 0; t < tier_count; ++t) {
    const std::string& name = parsed.topology.tiers[t].name;
    tier_names.push_back(name);
    if (t == backing) {
      stores.push_back(make_file_store(nvme_dir, options.single_file ? FileLayout::kSingleFile : FileLayout::kPerExpert, catalog.size(), bytes));
    } else if (t == 0 && on_gpu) {
      stores.push_back(make_device_store(options.gpu, catalog.size(), bytes));
    } else {
      const std::string medium = t == 0 ? "host memory standing in for HBM (no GPU)" : "host memory";
      stores.push_back(on_gpu ? make_cuda_host_store(options.gpu, catalog.size(), bytes, options.pageable, medium)
                              : make_host_store(catalog.size(), bytes, medium));
    }
    media.push_back(stores.back()->medium());
  }

  // Files: reuse what an earlier run left when the manifest says it holds these experts.
  const Manifest manifest{nvme_dir + "/tiersim-experts.json"};
  std::vector<uint64_t> versions;
  const bool reused = manifest.matches(bytes, options.single_file, catalog, versions);
  std::vector<TierStore*> store_pointers;
  for (auto& s : stores) store_pointers.push_back(s.get());

  // Executors, one per link, chosen by the media it joins.
  CompletionQueue completions;
  std::vector<std::unique_ptr<Executor>> executors;
  std::vector<RealLink*> links;
  const RunClock clock;
  auto make_executor = [&](const models::LinkSpec& link) -> Executor& {
    const bool from_file = link.from_tier == backing, to_file = link.to_tier == backing;
    const bool from_gpu = on_gpu && link.from_tier == 0, to_gpu = on_gpu && link.to_tier == 0;
    if ((from_file || to_file) && (from_gpu || to_gpu)) {
      throw BackendUnavailable("link \"" + link.name + "\" joins the GPU and the files directly (GPUDirect Storage), which the real "
                               "backend does not do; route it through a host-memory tier");
    }
    if (from_file && to_file) throw BackendUnavailable("link \"" + link.name + "\" joins the backing store to itself");
    if (from_file || to_file) {
      executors.push_back(make_uring_executor(completions, options.queue_depth, block_size));
    } else if (from_gpu || to_gpu) {
      executors.push_back(make_cuda_executor(completions, options.gpu, options.streams));
    } else {
      executors.push_back(make_memcpy_executor(completions, 1));
    }
    return *executors.back();
  };

  sim::Simulator simulator;
  models::Topology topology(simulator, parsed.topology,
                            [&](sim::Simulator& s, const models::LinkSpec& link) -> std::unique_ptr<models::ILink> {
                              Executor& executor = make_executor(link);
                              auto real = std::make_unique<RealLink>(s, clock, link, executor, *stores[link.from_tier],
                                                                     *stores[link.to_tier], catalog);
                              links.push_back(real.get());
                              return real;
                            });

  const ProfileSteadiness steadiness = read_profile_steadiness(config);
  DataChecker checker(store_pointers, tier_names, links, catalog, training, sim::to_seconds(spec.compute_per_layer));
  if (!options.quiet) {
    std::printf("tiersim run --backend real: %s, %u experts of %s (scale %g of %s)\n", parsed.name.c_str(), catalog.size(),
                sim::units::format_bytes(bytes).c_str(), scale,
                sim::units::format_bytes(ConfigNode(original, "", options.config_path).at("workload").at("expert_bytes").as_bytes()).c_str());
    for (uint32_t t = 0; t < tier_count; ++t) std::printf("  tier %-8s %s\n", tier_names[t].c_str(), media[t].c_str());
    for (const RealLink* l : links) std::printf("  link %-10s %s\n", l->spec().name.c_str(), l->executor().describe().c_str());
    if (!cpus.empty()) std::printf("  threads on CPU %s\n", cpus.c_str());
    std::printf("  %s the backing store's files in %s\n", reused ? "reusing" : "writing", nvme_dir.c_str());
    if (!steadiness.path.empty()) {
      std::printf("  predicted with %s%s\n", steadiness.path.c_str(), steadiness.when.empty() ? "" : (" (" + steadiness.when + ")").c_str());
      if (!steadiness.round_spread.empty()) std::printf("    its rounds lay apart by: %s\n", steadiness.describe().c_str());
    }
    std::fflush(stdout);
  }
  if (reused) {
    checker.set_versions(versions);
  } else {
    manifest.remove();
    checker.prepare_backing_store();
    manifest.write(bytes, options.single_file, catalog, checker.versions());
  }
  if (training) manifest.remove();  // the run writes the files

  std::unique_ptr<traces::TraceReader> trace = models::open_replay_trace(spec);
  models::ExpertReplay replay(simulator, topology, spec, *trace);
  replay.set_observer(&checker);
  replay.set_event_loop([&] {
    run_on_wall_clock(simulator, clock, completions, [&] {
      uint64_t n = 0;
      for (const RealLink* l : links) n += l->in_flight();
      return n;
    });
  });
  const auto started = std::chrono::steady_clock::now();
  replay.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  checker.verify_backing_store();
  manifest.write(bytes, options.single_file, catalog, checker.versions());

  Metrics measured;
  measured.add("tiersim_version", std::string(kVersion));
  measured.add("config_hash", json_hash(config));
  measured.add("name", parsed.name);
  measured.add("seed", parsed.seed);
  measured.add("workload", "expert_replay");
  measured.add("mode", training ? "training" : "inference");
  measured.add("overlap", spec.overlap == models::ExpertReplaySpec::Overlap::kSerial ? "serial" : "pipelined");
  measured.add("expert_bytes", bytes);
  measured.add("backend", "real");
  measured.add("scale", scale);
  measured.add("tier0_medium", media[0]);
  measured.append(replay.metrics());
  measured.add("experts_checked", checker.experts_checked());
  measured.add("training_updates", checker.updates());
  measured.add("check_time_s", checker.check_seconds());
  measured.add("check_overrun_layers", checker.overrun_layers());
  measured.add("check_overrun_s", checker.overrun_seconds());

  // The simulator's prediction of the same (scaled) run with the config's hardware profile.
  const Metrics predicted = simulate_config(config, options.config_path);
  const Comparison comparison = compare(predicted, measured, topology);

  Metrics row = measured;
  comparison.append_columns(row);
  nlohmann::ordered_json summary;
  summary["tiersim_version"] = kVersion;
  summary["git_revision"] = kGitRevision;
  summary["backend"] = "real";
  summary["config_source"] = options.config_path;
  summary["config_as_run"] = config;
  summary["scale"] = scale;
  nlohmann::ordered_json machine;
  for (uint32_t t = 0; t < tier_count; ++t) machine["tiers"][tier_names[t]] = media[t];
  for (const RealLink* l : links) machine["links"][l->spec().name] = l->executor().describe();
  if (on_gpu) machine["gpu"] = gpu_name;
  machine["host_memory"] = host_page_size();
  if (!cpus.empty()) machine["cpus"] = cpus;
  if (!steadiness.path.empty()) {
    nlohmann::ordered_json profile{{"path", steadiness.path}};
    if (!steadiness.when.empty()) profile["calibrated"] = steadiness.when;
    for (const auto& [link, spread] : steadiness.round_spread) profile["round_spread"][link] = spread;
    machine["hardware_profile"] = profile;
  }
  machine["backing_store_files"] = reused ? "reused from an earlier run" : "written by this run";
  summary["machine"] = machine;
  nlohmann::ordered_json results;
  row.to_json(results);
  summary["results"] = results;
  summary["comparison"] = comparison.to_json();
  summary["performance"] = {{"wall_s", wall}};

  ResultsWriter writer(out_dir);
  writer.stage("results.csv", row.csv_header() + "\n" + row.csv_row() + "\n");
  writer.stage("comparison.csv", comparison.csv());
  writer.stage("summary.json", summary.dump(2) + "\n");
  writer.commit();
  if (!options.quiet) {
    std::printf("  %llu steps in %.3f s; %llu expert copies checked (%.3f s), backing store verified\n",
                static_cast<unsigned long long>(measured.number("steps")),
                wall, static_cast<unsigned long long>(checker.experts_checked()), checker.check_seconds());
    std::printf("%s", comparison.table().c_str());
    if (checker.overrun_layers() > 0) {
      std::printf("note: checking the experts outlasted the compute in %llu of %llu layers, by %.3f s in all: the measured times "
                  "include it and the prediction does not (give workload.compute_per_layer more time, or shrink the experts "
                  "with --scale)\n",
                  static_cast<unsigned long long>(checker.overrun_layers()), static_cast<unsigned long long>(checker.layers_checked()),
                  checker.overrun_seconds());
    }
    if (!steadiness.unsteady.empty()) std::printf("note: %s\n", steadiness.unsteady_note().c_str());
    std::printf("results: %s/results.csv, %s/comparison.csv and %s/summary.json\n", out_dir.c_str(), out_dir.c_str(), out_dir.c_str());
  }
  return 0;
}

}  // namespace tiersim::real
