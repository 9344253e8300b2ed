// The flags of `tiersim train`: train.py's own (with their underscore spellings), then
// tiersim's additions.
#include "app/cli_flags.h"
#include "app/commands.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim {

namespace {

void add_train_py_flags(CLI::App& app, TrainCommand& c) {
  app.add_option(prototype_flag("n_experts"), c.n_experts, "experts per MoE layer")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("n_envs"), c.n_envs, "environments (0: n_experts)")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("gpu_slots"), c.gpu_slots, "experts resident on the GPU")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("cpu_cache"), c.cpu_cache, "experts in the DRAM warm cache")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("disk_root"), c.disk_root, "the expert files of --backend real (put it on a real file system: tmpfs refuses O_DIRECT)");
  app.add_option("--sampler", c.sampler, "how environments follow each other: " + traces::SamplerRegistry::names())->capture_default_str();
  app.add_option(prototype_flag("episode_len"), c.episode_len, "episode: steps per environment")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("envs_per_batch"), c.envs_per_batch, "environments a batch's tokens come from")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("batch_size"), c.batch_size, "tokens per step")->capture_default_str()->check(count_flag());
  app.add_option("--steps", c.steps, "training steps")->capture_default_str()->check(count_flag());
  app.add_option("--lr", c.lr, "SGD learning rate (the real backend applies it)")->capture_default_str();
  app.add_flag(prototype_flag("sort_by_expert"), c.sort_by_expert, "group tokens per expert: one GEMM each");
  app.add_option(prototype_flag("d_model"), c.d_model, "expert FFN model width")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("d_hidden"), c.d_hidden, "expert FFN hidden width")->capture_default_str()->check(count_flag());
  app.add_option("--seed", c.seed, "random seed")->capture_default_str()->check(count_flag());
  app.add_option("--out", c.out_dir, "output folder")->capture_default_str();
  app.add_flag("--print-config", c.print_config, "print the equivalent config and exit");
  app.add_option("--trace", c.trace, "replay this recorded routing instead of the fixed router");
}

void add_tiersim_flags(CLI::App& app, TrainCommand& c) {
  app.add_option("--trace-format", c.trace_format, format_help(false, " or auto"))->capture_default_str();
  app.add_option(prototype_flag("n_layers"), c.n_layers, "MoE layers")->capture_default_str()->check(count_flag());
  app.add_option(prototype_flag("p_stay"), c.p_stay, "markov: probability of keeping the environment")->capture_default_str();
  app.add_option("--zipf-alpha", c.zipf_alpha, "zipf: environment popularity skew")->capture_default_str();
  app.add_option("--dtype", c.dtype, "weights: fp32 or bf16 (bf16 keeps fp32 master weights)")->capture_default_str();
  app.add_option("--gpu-profile", c.gpu_profile, "the GPU the compute is timed on (tiersim list gpus)")->capture_default_str();
  app.add_option("--overlap", c.overlap, "serial or pipelined")->capture_default_str();
  app.add_option("--optimizer", c.optimizer, "none, momentum or adam")->capture_default_str();
  app.add_option("--optimizer-placement", c.optimizer_placement, "where its state lives and the update runs: hbm, dram or nvme")->capture_default_str();
  app.add_option("--evict-safe", c.evict_safe, "let a step use more experts than GPU slots: recompute or keep (activations)");
  app.add_option("--activation-budget", c.activation_budget, "with --evict-safe keep: activations kept at most, e.g. \"1 GiB\"");
  app.add_option("--gpu-memory", c.gpu_memory,
                 "size the GPU tier in bytes instead of --gpu_slots, e.g. \"8 GiB\": experts (and their state) get what a "
                 "step's activations and gradients leave")
      ->excludes(app.get_option("--gpu_slots"));
  app.add_option("--routing", c.routing, "top1 or cache_aware")->capture_default_str();
  app.add_option("--routing-bias", c.routing_bias, "cache_aware: additive or margin")->capture_default_str();
  app.add_option("--routing-value", c.routing_value, "cache_aware: the bias or margin, in router probability")->capture_default_str();
  app.add_option("--candidates", c.candidates, "cache_aware: candidate experts per token")->capture_default_str()->check(count_flag());
  app.add_option("--capacity-factor", c.capacity_factor, "cache_aware: most tokens an expert takes, over the mean")->capture_default_str();
  add_prototype_link_flags(app, c.sim);
  app.add_option("--set", c.overrides, "override a value of the built config: json.path=value")->allow_extra_args(false);
  app.add_option("--backend", c.backend, "sim (the model) or real (real transfers into --disk_root, checked)")
      ->check(CLI::IsMember({"sim", "real"}))
      ->capture_default_str();
  app.add_option("--gpu", c.gpu, "real backend: put the first tier on this CUDA GPU (default: host memory stands in for HBM)");
  app.add_option("--scale", c.scale, "real backend: shrink the experts by this factor (\"1/16\")")->capture_default_str();
  app.add_flag("--quiet", c.quiet, "print nothing on success");
}

}  // namespace

CLI::App* add_train_subcommand(CLI::App& parent, TrainCommand& command) {
  CLI::App* app = parent.add_subcommand("train", "the MoE prototype's train.py command line, simulated (or on the real backend)");
  add_train_py_flags(*app, command);
  add_tiersim_flags(*app, command);
  return app;
}

}  // namespace tiersim
