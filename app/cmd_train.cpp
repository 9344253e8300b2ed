// `tiersim train`: the MoE prototype's train.py command line. The flags become a config of
// the prototype's three tiers and links (app/prototype_config.h) and an expert replay with
// a training block (models/workloads/expert_replay/training/training_spec.h); --backend real
// runs that config on the real backend with --disk_root as the backing store's folder.
#include <filesystem>

#include "app/commands.h"
#include "app/prototype_config.h"
#include "real_backend/real_run.h"
#include "sim/output/results_writer.h"
#include "sim/config/overrides.h"
#include "sim/errors.h"

namespace tiersim {

namespace {

nlohmann::json training_block(const TrainCommand& c) {
  using nlohmann::json;
  json training = {{"batch_size", c.batch_size}, {"d_model", c.d_model}, {"d_hidden", c.d_hidden}, {"dtype", c.dtype},
                   {"lr", c.lr}, {"sort_by_expert", c.sort_by_expert}, {"gpu", c.gpu_profile},
                   {"optimizer", {{"type", c.optimizer}, {"placement", c.optimizer_placement}}}};
  if (c.trace.empty()) training["envs_per_batch"] = c.envs_per_batch;
  if (!c.evict_safe.empty()) {
    training["evict_safe"] = {{"activations", c.evict_safe}};
    if (!c.activation_budget.empty()) training["evict_safe"]["activation_budget"] = c.activation_budget;
  } else if (!c.activation_budget.empty()) {
    throw InputError("--activation-budget: applies with --evict-safe keep");
  }
  if (c.routing != "top1") {
    training["routing"] = {{"type", c.routing}, {"bias", c.routing_bias}, {"value", c.routing_value},
                           {"candidates", c.candidates}, {"capacity_factor", c.capacity_factor}};
    if (!c.trace.empty()) training["routing"]["n_experts"] = c.n_experts;
  } else {
    training["routing"] = {{"type", c.routing}};
  }
  return training;
}

}  // namespace

nlohmann::json train_config(const TrainCommand& c) {
  using nlohmann::json;
  json config = {{"name", "train"}, {"description", "the MoE prototype's train.py command line"}, {"seed", c.seed}};
  add_prototype_topology(config, c.sim, c.gpu_slots, c.cpu_cache);
  if (!c.gpu_memory.empty()) config["tiers"][0]["capacity"] = c.gpu_memory;
  json workload = {{"type", "expert_replay"}, {"mode", "training"}, {"overlap", c.overlap}, {"bench_cache_counters", true},
                   {"training", training_block(c)}};
  if (!c.trace.empty()) {
    workload["trace"] = {{"path", c.trace}, {"format", c.trace_format}};
  } else {
    json generator = {{"sampler", c.sampler}, {"n_experts", c.n_experts}, {"n_layers", c.n_layers}, {"steps", c.steps}, {"seed", c.seed}};
    add_sampler_flags(generator, {{"episode_len", c.episode_len}, {"p_stay", c.p_stay}, {"n_envs", c.n_envs}, {"zipf_alpha", c.zipf_alpha}});
    workload["generator"] = generator;
  }
  config["workload"] = workload;
  for (const std::string& assignment : c.overrides) apply_override(config, assignment);
  return config;
}

int train_command(const TrainCommand& command) {
  return print_or_simulate(train_config(command), command.print_config, "train flags", command.out_dir, command.quiet);
}

real::RealRunOptions train_real_options(const TrainCommand& command) {
  nlohmann::json config = train_config(command);
  // The config is read from the output folder: a trace named relative to here must stay found.
  if (!command.trace.empty()) config["workload"]["trace"]["path"] = std::filesystem::absolute(command.trace).string();
  if (command.disk_root.empty()) throw InputError("--disk_root: the real backend needs a folder for the expert files");
  std::filesystem::create_directories(command.out_dir);
  const std::string path = command.out_dir + "/train_config.json";
  write_file_atomically(path, config.dump(2) + "\n");
  real::RealRunOptions options;
  options.config_path = path;
  options.out_dir = command.out_dir;
  options.nvme_dir = command.disk_root;
  options.scale = command.scale;
  options.gpu = command.gpu;
  options.quiet = command.quiet;
  return options;
}

}  // namespace tiersim
