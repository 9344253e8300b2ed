#pragma once
// The tiersim subcommands, as plain functions over option structs; main.cpp maps the
// command line onto them. Each returns the process exit status; bad input throws
// InputError (exit 2).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/prototype_config.h"

namespace CLI {
class App;
}

namespace tiersim {
namespace real {
struct RealRunOptions;
}

// tiersim run CONFIG [--set path=value ...] [--out DIR] [--quiet]
struct RunCommand {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out_dir;  // default: results/<config name>
  bool quiet = false;
};
int run_command(const RunCommand& command);

// The prototype commands' end: print the config they built (--print-config) or simulate it.
int print_or_simulate(const nlohmann::json& config, bool print_config, const std::string& source, const std::string& out_dir,
                      bool quiet);

// Simulates `config` and writes its results; `source` names it in errors.
// Relative paths in `config` are read from `base_dir` (empty: the current directory).
int run_simulation(const nlohmann::json& config, const std::string& source, const std::string& base_dir,
                   const std::string& out_dir, bool quiet);

// tiersim bench-cache: the MoE prototype's bench_cache.py flags, run on the simulator.
struct BenchCacheCommand {
  uint32_t n_experts = 1024;
  uint32_t d_model = 128;
  uint32_t d_hidden = 512;
  uint64_t steps = 2000;
  uint64_t gpu_slots = 16;
  uint64_t cpu_cache = 64;
  std::string disk_root;
  std::string sampler = "episode";
  uint32_t episode_len = 20;
  double p_stay = 0.9;
  uint32_t experts_per_step = 4;
  uint64_t seed = 0;
  PrototypeLinks sim;  // --sim_h2d_gbps ... --sim_extra_ms_per_io
  // tiersim additions
  std::string trace;
  std::string trace_format = "auto";
  std::string mode = "training";
  std::string overlap = "serial";
  std::string compute_per_layer = "0 us";
  std::string expert_bytes;  // default: the MoE prototype's fp32 FFN expert from d_model and d_hidden
  uint32_t n_layers = 1;
  uint32_t n_envs = 0;
  uint32_t envs_per_batch = 1;
  double zipf_alpha = 1.0;
  double noise = 0.0;
  std::vector<std::string> overrides;
  std::string out_dir = "results/bench-cache";
  bool print_config = false;
  bool quiet = false;
};
// The config bench-cache runs (also what --print-config prints).
nlohmann::json bench_cache_config(const BenchCacheCommand& command);
int bench_cache_command(const BenchCacheCommand& command);

// tiersim train: the MoE prototype's train.py flags, run on the simulator (or the real
// backend). docs/training.md states every default and what each flag sets.
struct TrainCommand {
  uint32_t n_experts = 1024;
  uint32_t n_envs = 0;  // 0: n_experts
  uint64_t gpu_slots = 16;
  uint64_t cpu_cache = 64;
  std::string disk_root;  // the real backend's files (the simulator keeps none)
  std::string sampler = "episode";
  uint32_t episode_len = 20;
  double p_stay = 0.9;
  double zipf_alpha = 1.0;
  uint32_t envs_per_batch = 1;
  uint32_t batch_size = 1024;
  uint64_t steps = 200;
  double lr = 1e-2;
  bool sort_by_expert = false;
  uint32_t d_model = 128;
  uint32_t d_hidden = 512;
  uint64_t seed = 0;
  std::string out_dir = "results/train";
  bool print_config = false;
  std::string trace;
  // tiersim additions
  std::string trace_format = "auto";
  uint32_t n_layers = 1;
  std::string dtype = "fp32";
  std::string gpu_profile = "h100_sxm";
  int gpu = -1;  // --backend real: the CUDA GPU that holds the first tier (-1: host memory)
  std::string overlap = "serial";
  std::string optimizer = "none";
  std::string optimizer_placement = "hbm";
  std::string evict_safe;  // "", "recompute" or "keep"
  std::string activation_budget;
  std::string gpu_memory;  // the first tier in bytes (replaces gpu_slots)
  std::string routing = "top1";
  std::string routing_bias = "additive";
  double routing_value = 0.1;
  uint32_t candidates = 4;
  double capacity_factor = 1.25;
  PrototypeLinks sim;  // bench_cache's latency model
  std::vector<std::string> overrides;
  std::string backend = "sim";
  std::string scale = "1";
  bool quiet = false;
};
nlohmann::json train_config(const TrainCommand& command);
int train_command(const TrainCommand& command);
// --backend real: writes the config to OUT/train_config.json and returns the real run's options.
real::RealRunOptions train_real_options(const TrainCommand& command);

// Adds the `train` subcommand and its flags to `parent`, filling `command`.
CLI::App* add_train_subcommand(CLI::App& parent, TrainCommand& command);

// tiersim cache TRACE --policy lru --size 16,64 [--size-bytes "1 GiB"] [--partition layer] [--format F] [--out DIR]
struct CacheCommand {
  std::string trace;
  std::string policies = "lru";
  std::string partition = "none";  // "layer": each capacity per layer, a policy instance per layer
  std::string sizes;
  std::string sizes_bytes;
  std::string format = "auto";
  std::string out_dir;
};
int cache_command(const CacheCommand& command);

// tiersim mrc TRACE [--l1 16,64] [--inclusion exclusive] [--format F] [--out DIR] [--max-size N]
struct MrcCommand {
  std::string trace;
  std::string inclusion = "inclusive";  // of the two-tier hierarchies
  std::string format = "auto";
  std::string l1_sizes;  // first-tier capacities whose second-tier curves are wanted
  std::string out_dir;
  uint64_t max_size = UINT64_MAX;  // rows beyond this capacity are left out of the CSV
};
int mrc_command(const MrcCommand& command);

// tiersim sweep SWEEP.json --out DIR [--jobs N] [--dry-run] [--resume] [--force] [--shard K/N] [--quiet]
// Exit status 5 when some points failed (the others are in results.csv).
struct SweepCommand {
  std::string sweep_path;
  std::string out_dir;
  uint32_t jobs = 0;  // 0: the machine's cores
  bool dry_run = false;
  bool resume = false;
  bool force = false;
  bool quiet = false;
  std::string shard;  // "K/N"
  // --slurm: write an sbatch job array of `shards` tasks and a merge job (--submit: submit)
  bool slurm = false;
  bool submit = false;
  uint32_t shards = 0;
  std::string partition, time_limit;
};
int sweep_command(const SweepCommand& command);

// tiersim merge DIR1 DIR2 ... --out DIR: the shards of one sweep into one results.csv.
struct MergeCommand {
  std::vector<std::string> dirs;
  std::string out_dir;
};
int merge_command(const MergeCommand& command);

// tiersim plot DIR: runs analysis/plot.py over DIR/results.csv; its exit status.
int plot_command(const std::string& dir);

// tiersim trace gen [generator flags] --format csv|bin|oracleGeneral -o FILE
struct TraceGenCommand {
  nlohmann::json generator = nlohmann::json::object();  // the flags given, by generator key
  std::string format = "csv";
  std::string output;
  uint64_t object_size = 526848;  // oracleGeneral size field
};
int trace_gen_command(const TraceGenCommand& command);

// tiersim trace stats FILE [--format F] [--window 1,10,100] [--json]
struct TraceStatsCommand {
  std::string trace;
  std::string format = "auto";  // an expert trace's format, or "mooncake" (KV-cache requests, *.jsonl)
  std::string windows = "1,10,100,1000";
  uint32_t block_tokens = 512;       // KV traces: tokens per hash id
  std::string kv_bytes_per_token;    // KV traces: adds the working set in bytes ("320 KB")
  bool json = false;
};
int trace_stats_command(const TraceStatsCommand& command);

// tiersim trace gen-kv CONFIG -o OUT.jsonl: a kv_cache config's synthetic requests as
// Mooncake JSON lines.
struct TraceGenKvCommand {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string output;
};
int trace_gen_kv_command(const TraceGenKvCommand& command);

// tiersim trace to-api TRACE -o OUT.jsonl: a Mooncake trace as the store's API calls (each
// request a query, a load and a store of its prompt).
struct TraceToApiCommand {
  std::string trace;
  uint32_t block_tokens = 512;
  std::string output;
};
int trace_to_api_command(const TraceToApiCommand& command);

// tiersim list [policies|samplers|formats]
int list_command(const std::string& what);

// Parses "16,64,256" into positive integers; `flag` names the option in errors.
std::vector<uint64_t> parse_count_list(const std::string& text, const std::string& flag);

}  // namespace tiersim
