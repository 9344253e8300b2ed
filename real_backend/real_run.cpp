#include "real_backend/real_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

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
#include "real_backend/trained_weights.h"
#include "real_backend/uring_executor.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/config/json_hash.h"
#include "sim/config/load_config.h"
#include "sim/config/units.h"
#include "run/config_paths.h"
#include "run/provenance.h"
#include "run/simulate.h"
#include "sim/engine/simulator.h"
#include "sim/output/metrics.h"
#include "sim/engine/progress.h"
#include "sim/output/output_lock.h"
#include "sim/output/results_writer.h"
#include "tiersim/version.h"
#include "sim/config/excerpt.h"

namespace tiersim::real {

namespace {

constexpr uint64_t kAlign = 4096;  // O_DIRECT: sizes and offsets in whole 4 KiB blocks
uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }

uint64_t scaled_bytes(uint64_t bytes, double scale) {
  return round_up(std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(static_cast<double>(bytes) * scale))), kAlign);
}

// What the real backend cannot carry out, named where the config asks for it.
void check_real_backend_can_run(const ConfigNode& root, const models::ExpertReplaySpec& spec, const models::TopologySpec& topology) {
  const ConfigNode workload = root.at("workload");
  if (spec.warm_tier.enabled) {
    workload.at("warm_tier").fail("the real backend does not run the warm-tier protocol (its corrupted reads and published versions "
                                  "are simulated events); remove workload.warm_tier to run this config for real");
  }
  if (spec.training) {
    const ConfigNode training = workload.at("training");
    const std::string why = TrainedWeights::unsupported(*spec.training);
    if (!why.empty()) training.at("optimizer").fail(why);
    if (spec.training->routing.cache_aware) {
      training.at("routing").fail("cache-aware routing may send tokens to experts the trace never names; the real backend runs top-1 routing");
    }
  }
  const models::TierSpec& store = topology.tiers.back();
  if (store.object_store || store.compression.enabled) {
    const ConfigNode tier = root.at("tiers").at(topology.tiers.size() - 1);
    tier.at(store.object_store ? "object_store" : "compression")
        .fail("the real backend keeps the backing store in files on this machine, not in an object store with request limits or "
              "a codec; remove it to run this config for real");
  }
}

// The run as the real backend executes it: experts and chunks scaled and rounded to whole
// 4 KiB blocks; every tier keeps its number of experts (its slots), not its bytes.
RunConfig scaled_run(const RunConfig& parsed, double scale) {
  RunConfig scaled = parsed;
  models::ExpertReplaySpec spec = parsed.workload_as<models::ExpertReplayWorkload>()->spec();
  spec.expert_bytes = scaled_bytes(spec.expert_bytes, scale);
  if (spec.chunk_bytes > 0) spec.chunk_bytes = scaled_bytes(spec.chunk_bytes, scale);
  scaled.workload = std::make_shared<models::ExpertReplayWorkload>(std::move(spec));
  for (size_t t = 0; t + 1 < scaled.topology.tiers.size(); ++t) scaled.topology.tiers[t].capacity.bytes = UINT64_MAX;
  return scaled;
}

// The config recorded as run (summary.json, the config hash): the written one with the
// scaled sizes and every tier's capacity in slots.
nlohmann::json as_run_config(const nlohmann::json& config, const RunConfig& scaled) {
  nlohmann::json out = config;
  const models::ExpertReplaySpec& spec = scaled.workload_as<models::ExpertReplayWorkload>()->spec();
  nlohmann::json& tiers = out["tiers"];
  for (size_t i = 0; i + 1 < tiers.size(); ++i) tiers[i]["capacity"] = scaled.topology.tiers[i].capacity.objects;
  // A training block sizes its experts itself (the scaled size is the expert_bytes column).
  if (!spec.training) out["workload"]["expert_bytes"] = spec.expert_bytes;
  if (spec.chunk_bytes > 0) out["workload"]["chunk_bytes"] = spec.chunk_bytes;
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
    throw InputError("--scale: expected a fraction like 1/64 or a number in (0, 1], got \"" + excerpt(text) + "\"");
  }
  if (!(value > 0 && value <= 1)) throw InputError("--scale: expected a factor in (0, 1], got \"" + excerpt(text) + "\"");
  return value;
}

namespace {

// One real run, in the order it happens: the options checked, the config read once and
// scaled, the media and executors set up, the backing store's files prepared, the replay
// carried out and checked, then the measured row beside the simulator's prediction.
class RealRun {
 public:
  explicit RealRun(const RealRunOptions& options) : options_(options) {}
  int run();
  // After an interrupted run: the expert files this run wrote (not ones it reused) go.
  void remove_written_files() const;

 private:
  void check_options();
  void read_config();
  void check_machine();
  void build_stores();
  std::unique_ptr<models::ILink> make_link(sim::Simulator& simulator, const models::LinkSpec& link);
  void print_header(const ProfileSteadiness& steadiness) const;
  void prepare_files(DataChecker& checker);
  Metrics measured_row(const models::ExpertReplay& replay, const DataChecker& checker) const;
  nlohmann::ordered_json machine_record(const ProfileSteadiness& steadiness) const;
  void print_footer(const Metrics& measured, const DataChecker& checker, const Comparison& comparison,
                    const ProfileSteadiness& steadiness) const;

  const RealRunOptions& options_;
  std::optional<OutputLock> lock_;  // first, so released last: after remove_written_files()
  double scale_ = 1;
  uint64_t block_size_ = 0;
  nlohmann::json original_;   // the config as written
  nlohmann::json as_run_;     // as run: experts scaled, byte capacities as slots
  RunConfig parsed_;          // parsed once, then scaled
  const models::ExpertReplaySpec* spec_ = nullptr;
  uint64_t written_expert_bytes_ = 0;
  std::string out_dir_, nvme_dir_, cpus_, gpu_name_;
  std::unique_ptr<ExpertCatalog> catalog_;
  std::vector<std::unique_ptr<TierStore>> stores_;
  std::vector<std::string> tier_names_, media_;
  CompletionQueue completions_;
  std::vector<std::unique_ptr<Executor>> executors_;
  std::vector<RealLink*> links_;
  const RunClock clock_;
  std::unique_ptr<Manifest> manifest_;
  bool reused_ = false;
  bool writing_files_ = false;  // this run (re)writes the backing store's files
  std::vector<uint64_t> reused_versions_;  // the files' expert versions, when reused
  double wall_ = 0;

  bool training() const { return spec_->mode == models::ExpertReplaySpec::Mode::kTraining; }
  bool on_gpu() const { return options_.gpu >= 0; }
  FileLayout layout() const { return options_.single_file ? FileLayout::kSingleFile : FileLayout::kPerExpert; }
  uint64_t bytes() const { return spec_->expert_bytes; }
  uint32_t backing() const { return static_cast<uint32_t>(parsed_.topology.tiers.size() - 1); }
};

void RealRun::check_options() {
  scale_ = parse_scale(options_.scale);
  try {
    block_size_ = sim::units::parse_bytes(options_.block_size);
  } catch (const std::exception& e) {
    throw InputError("--block-size: " + std::string(e.what()));
  }
  if (block_size_ == 0 || block_size_ % kAlign != 0 || block_size_ > (1ull << 30)) {
    throw InputError("--block-size: expected a multiple of 4 KiB up to 1 GiB, got \"" + excerpt(options_.block_size) + "\"");
  }
  if (options_.queue_depth == 0 || options_.queue_depth > 4096) throw InputError("--queue-depth: expected 1 to 4096");
  if (options_.streams == 0 || options_.streams > 64) throw InputError("--streams: expected 1 to 64");
}

// Every mistake is reported against the config as written; the run then uses the parsed
// spec with its experts scaled.
void RealRun::read_config() {
  original_ = load_config(options_.config_path, anchor_overrides(options_.overrides));
  parsed_ = parse_run_config(original_, options_.config_path, config_dir(options_.config_path));
  const auto* replay = parsed_.workload_as<models::ExpertReplayWorkload>();
  if (!replay) {
    throw InputError(options_.config_path + ": workload.type: the real backend replays \"expert_replay\" workloads; a \"" +
                     parsed_.workload_type + "\" run is simulated only");
  }
  const ConfigNode root(original_, "", options_.config_path);
  check_real_backend_can_run(root, replay->spec(), parsed_.topology);
  written_expert_bytes_ = replay->spec().expert_bytes;
  parsed_ = scaled_run(parsed_, scale_);
  spec_ = &parsed_.workload_as<models::ExpertReplayWorkload>()->spec();
  as_run_ = as_run_config(original_, parsed_);
  out_dir_ = options_.out_dir.empty() ? "results/" + parsed_.name + "-real" : options_.out_dir;
  nvme_dir_ = options_.nvme_dir.empty() ? out_dir_ + "/nvme" : options_.nvme_dir;
}

void RealRun::check_machine() {
  const uint64_t store_bytes = uint64_t{catalog_->size()} * bytes();
  if (on_gpu()) gpu_name_ = gpu_description(options_.gpu);
  require_memory(store_bytes * (on_gpu() ? backing() - 1 : backing()) + bytes(),
                 "holding " + std::to_string(catalog_->size()) + " experts of " + sim::units::format_bytes(bytes()) +
                     " in each memory tier");
  require_direct_io_dir(nvme_dir_, store_bytes);
}

// Media: tier 0 on the GPU (or host memory standing in for HBM), the tiers between in
// host memory, the backing store in O_DIRECT files.
void RealRun::build_stores() {
  const uint32_t experts = catalog_->size();
  for (uint32_t t = 0; t <= backing(); ++t) {
    tier_names_.push_back(parsed_.topology.tiers[t].name);
    if (t == backing()) {
      stores_.push_back(make_file_store(nvme_dir_, layout(), experts, bytes()));
    } else if (t == 0 && on_gpu()) {
      stores_.push_back(make_device_store(options_.gpu, experts, bytes()));
    } else {
      const std::string medium = t == 0 ? "host memory standing in for HBM (no GPU)" : "host memory";
      stores_.push_back(on_gpu() ? make_cuda_host_store(options_.gpu, experts, bytes(), options_.pageable, medium)
                                 : make_host_store(experts, bytes(), medium));
    }
    media_.push_back(stores_.back()->medium());
  }
}

// A link's executor, chosen by the media it joins, and the real link over it.
std::unique_ptr<models::ILink> RealRun::make_link(sim::Simulator& simulator, const models::LinkSpec& link) {
  const bool from_file = link.from_tier == backing(), to_file = link.to_tier == backing();
  const bool from_gpu = on_gpu() && link.from_tier == 0, to_gpu = on_gpu() && link.to_tier == 0;
  if ((from_file || to_file) && (from_gpu || to_gpu)) {
    throw BackendUnavailable("link \"" + link.name + "\" joins the GPU and the files directly (GPUDirect Storage), which the real "
                             "backend does not do; route it through a host-memory tier");
  }
  if (from_file && to_file) throw BackendUnavailable("link \"" + link.name + "\" joins the backing store to itself");
  if (from_file || to_file) {
    executors_.push_back(make_uring_executor(completions_, options_.queue_depth, block_size_));
  } else if (from_gpu || to_gpu) {
    executors_.push_back(make_cuda_executor(completions_, options_.gpu, options_.streams));
  } else {
    executors_.push_back(make_memcpy_executor(completions_, 1));
  }
  auto real = std::make_unique<RealLink>(simulator, clock_, link, *executors_.back(), *stores_[link.from_tier],
                                         *stores_[link.to_tier], *catalog_);
  links_.push_back(real.get());
  return real;
}

void RealRun::print_header(const ProfileSteadiness& steadiness) const {
  if (options_.quiet) return;
  std::printf("tiersim run --backend real: %s, %u experts of %s (scale %g of %s)\n", parsed_.name.c_str(), catalog_->size(),
              sim::units::format_bytes(bytes()).c_str(), scale_, sim::units::format_bytes(written_expert_bytes_).c_str());
  for (size_t t = 0; t < tier_names_.size(); ++t) std::printf("  tier %-8s %s\n", tier_names_[t].c_str(), media_[t].c_str());
  for (const RealLink* l : links_) std::printf("  link %-10s %s\n", l->spec().name.c_str(), l->executor().describe().c_str());
  if (!cpus_.empty()) std::printf("  threads on CPU %s\n", cpus_.c_str());
  std::printf("  %s the backing store's files in %s\n", reused_ ? "reusing" : "writing", nvme_dir_.c_str());
  if (!steadiness.path.empty()) {
    std::printf("  predicted with %s%s\n", steadiness.path.c_str(), steadiness.when.empty() ? "" : (" (" + steadiness.when + ")").c_str());
    if (!steadiness.round_spread.empty()) std::printf("    its rounds lay apart by: %s\n", steadiness.describe().c_str());
  }
  std::fflush(stdout);
}

// Files: reused when the manifest says an earlier run left these experts, else written.
void RealRun::prepare_files(DataChecker& checker) {
  if (reused_) {
    checker.set_versions(reused_versions_);
  } else {
    manifest_->remove();
    writing_files_ = true;
    checker.prepare_backing_store();
    manifest_->write(bytes(), options_.single_file, *catalog_, checker.versions());
  }
  if (training()) manifest_->remove();  // the run writes the files
}

Metrics RealRun::measured_row(const models::ExpertReplay& replay, const DataChecker& checker) const {
  Metrics measured;
  add_provenance(measured, as_run_, parsed_);
  models::add_expert_replay_columns(*spec_, measured);
  measured.add("backend", "real");
  measured.add("scale", scale_);
  measured.add("tier0_medium", media_[0]);
  measured.append(replay.metrics());
  measured.add("experts_checked", checker.experts_checked());
  measured.add("training_updates", checker.updates());
  measured.add("check_time_s", checker.check_seconds());
  measured.add("check_overrun_layers", checker.overrun_layers());
  measured.add("check_overrun_s", checker.overrun_seconds());
  return measured;
}

nlohmann::ordered_json RealRun::machine_record(const ProfileSteadiness& steadiness) const {
  nlohmann::ordered_json machine;
  for (size_t t = 0; t < tier_names_.size(); ++t) machine["tiers"][tier_names_[t]] = media_[t];
  for (const RealLink* l : links_) machine["links"][l->spec().name] = l->executor().describe();
  if (on_gpu()) machine["gpu"] = gpu_name_;
  machine["host_memory"] = host_page_size();
  if (!cpus_.empty()) machine["cpus"] = cpus_;
  if (!steadiness.path.empty()) {
    nlohmann::ordered_json profile{{"path", steadiness.path}};
    if (!steadiness.when.empty()) profile["calibrated"] = steadiness.when;
    for (const auto& [link, spread] : steadiness.round_spread) profile["round_spread"][link] = spread;
    machine["hardware_profile"] = profile;
  }
  machine["backing_store_files"] = reused_ ? "reused from an earlier run" : "written by this run";
  return machine;
}

void RealRun::print_footer(const Metrics& measured, const DataChecker& checker, const Comparison& comparison,
                           const ProfileSteadiness& steadiness) const {
  if (options_.quiet) return;
  std::printf("  %llu steps in %.3f s; %llu expert copies checked (%.3f s), backing store verified\n",
              static_cast<unsigned long long>(measured.number("steps")), wall_,
              static_cast<unsigned long long>(checker.experts_checked()), checker.check_seconds());
  std::printf("%s", comparison.table().c_str());
  if (checker.overrun_layers() > 0) {
    std::printf("note: checking the experts outlasted the compute in %llu of %llu layers, by %.3f s in all: the measured times "
                "include it and the prediction does not (give the layers more compute, or shrink the experts "
                "with --scale)\n",
                static_cast<unsigned long long>(checker.overrun_layers()), static_cast<unsigned long long>(checker.layers_checked()),
                checker.overrun_seconds());
  }
  if (!steadiness.unsteady.empty()) std::printf("note: %s\n", steadiness.unsteady_note().c_str());
  std::printf("results: %s/results.csv, %s/comparison.csv and %s/summary.json\n", out_dir_.c_str(), out_dir_.c_str(), out_dir_.c_str());
}

int RealRun::run() {
  check_options();
  read_config();
  lock_.emplace(out_dir_, "run --backend real");
  // Before any thread starts, so that every one inherits the set.
  cpus_ = options_.cpus.empty() ? "" : pin_to_cpus("--cpus", options_.cpus);
  std::unique_ptr<traces::TraceReader> catalog_trace = models::open_replay_trace(*spec_);
  catalog_ = std::make_unique<ExpertCatalog>(*catalog_trace);
  check_machine();
  const bool files_complete = file_store_complete(nvme_dir_, layout(), catalog_->size(), bytes());  // before opening creates them
  build_stores();
  manifest_ = std::make_unique<Manifest>(Manifest{nvme_dir_ + "/tiersim-experts.json"});
  // Trained weights depend on every update a run made: each run starts from the initial ones.
  reused_ = !spec_->training && files_complete && manifest_->matches(bytes(), options_.single_file, *catalog_, reused_versions_);

  sim::Simulator simulator;
  models::Topology topology(simulator, parsed_.topology,
                            [&](sim::Simulator& s, const models::LinkSpec& link) { return make_link(s, link); });
  const ProfileSteadiness steadiness = read_profile_steadiness(as_run_, parsed_.topology.hardware_path);
  std::vector<TierStore*> stores;
  for (auto& s : stores_) stores.push_back(s.get());
  DataChecker checker(stores, tier_names_, links_, *catalog_, training());
  std::optional<TrainedWeights> weights;
  if (spec_->training) {
    weights.emplace(*spec_->training, bytes(), spec_->seed);
    checker.use_trained_weights(&*weights, bytes());
  }
  print_header(steadiness);
  prepare_files(checker);

  std::unique_ptr<traces::TraceReader> trace = models::open_replay_trace(*spec_);
  models::ExpertReplay replay(simulator, topology, *spec_, *trace);
  replay.set_observer(&checker);
  replay.set_event_loop([&] {
    run_on_wall_clock(simulator, clock_, completions_, [&] {
      uint64_t n = 0;
      for (const RealLink* l : links_) n += l->in_flight();
      return n;
    });
  });
  const auto started = std::chrono::steady_clock::now();
  replay.run();
  wall_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  checker.verify_backing_store();
  if (!weights) manifest_->write(bytes(), options_.single_file, *catalog_, checker.versions());

  // The simulator's prediction of the same (scaled) run with the config's hardware profile.
  const Metrics measured = measured_row(replay, checker);
  const Metrics predicted = simulate(parsed_, as_run_).row;
  const Comparison comparison = compare(predicted, measured, topology);
  Metrics row = measured;
  comparison.append_columns(row);

  nlohmann::ordered_json summary = summary_head(as_run_, options_.config_path);
  summary["backend"] = "real";
  summary["config_as_run"] = as_run_;
  summary["scale"] = scale_;
  summary["machine"] = machine_record(steadiness);
  nlohmann::ordered_json results;
  row.to_json(results);
  summary["results"] = results;
  summary["comparison"] = comparison.to_json();
  summary["performance"] = {{"wall_s", wall_}};
  ResultsWriter writer(out_dir_);
  writer.stage("results.csv", row.csv_header() + "\n" + row.csv_row() + "\n");
  writer.stage("comparison.csv", comparison.csv());
  writer.stage("summary.json", summary.dump(2) + "\n");
  writer.commit();
  print_footer(measured, checker, comparison, steadiness);
  return 0;
}

}  // namespace

void RealRun::remove_written_files() const {
  if (!writing_files_) return;
  std::error_code ignored;
  for (const std::string& path : file_store_paths(nvme_dir_, layout(), catalog_->size())) std::filesystem::remove(path, ignored);
  std::filesystem::remove(nvme_dir_ + "/tiersim-experts.json", ignored);
  // The default folder inside --out goes too; a folder the user named stays.
  if (options_.nvme_dir.empty() && std::filesystem::is_empty(nvme_dir_, ignored)) std::filesystem::remove(nvme_dir_, ignored);
}

int run_real(const RealRunOptions& options) {
  RealRun run(options);
  try {
    return run.run();
  } catch (const sim::progress::Interrupted&) {
    run.remove_written_files();
    throw;
  }
}

}  // namespace tiersim::real
