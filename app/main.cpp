// The tiersim command line: subcommands mapped onto app/commands.h.
// Exit status (docs/exit-codes.md): 0 done, 1 command-line usage error, 2 bad input
// (config, trace, flags), 3 an I/O or resource failure (disk full, read-only, permission,
// out of memory), 4 the run stopped as configured or a data check failed, 5 a sweep with
// failed points, 6 the machine cannot do what the real backend was asked, 70 a bug in
// tiersim, 130/143 interrupted by SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <new>

#include "sim/engine/progress.h"
#include "sim/errors.h"
#include "real_backend/calibrate.h"
#include "real_backend/executor.h"
#include "real_backend/real_run.h"
#include "app/cli_flags.h"
#include "app/commands.h"
#include "app/progress_printer.h"
#include "app/renamed_flags.h"
#include "models/policies/policy_registry.h"
#include "traces/generators/sampler_registry.h"
#include "traces/trace_format.h"
#include "tiersim/version.h"

namespace {

using namespace tiersim;

// The generator's flags for `trace gen`: the keys every sampler takes, then every parameter
// a registered sampler declares (so a new sampler's parameters get flags of their own).
struct GeneratorFlags {
  std::map<std::string, std::string> values;  // by generator key
  std::vector<std::pair<std::string, CLI::Option*>> options;

  static std::string users_of(const std::string& key) {
    std::string names;
    for (const traces::SamplerEntry* e : traces::SamplerRegistry::all())
      for (const traces::SamplerParameter& p : e->parameters)
        if (p.key == key) names += (names.empty() ? "" : ", ") + e->name;
    return names;
  }

  void add(CLI::App& app) {
    const std::pair<std::string, std::string> common[] = {
        {"sampler", "the sampler: " + traces::SamplerRegistry::names() + " (default episode)"},
        {"n_experts", "experts per layer (default 1024)"},
        {"n_layers", "MoE layers (default 1)"},
        {"experts_per_step", "routing picks per layer per step (default 4)"},
        {"steps", "steps (default 2000)"},
        {"seed", "random seed (default 0)"}};
    for (const auto& [key, help] : common) add_flag(app, key, help);
    for (const traces::SamplerParameter& p : traces::all_sampler_parameters()) {
      char fallback[32];
      std::snprintf(fallback, sizeof fallback, "%g", p.fallback);
      add_flag(app, p.key, users_of(p.key) + ": " + p.help + " (default " + fallback + ")");
    }
  }

  void add_flag(CLI::App& app, const std::string& key, const std::string& help) {
    options.emplace_back(key, app.add_option("--" + kebab(key), values[key], help));
  }

  nlohmann::json given() const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, option] : options) {
      if (option->count() == 0) continue;
      const std::string& text = values.at(key);
      j[key] = nlohmann::json::parse(text, nullptr, false);
      if (j[key].is_discarded()) j[key] = text;
    }
    return j;
  }
};



}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tiersim: discrete-event simulator for memory-tier topology studies (HBM, DRAM, NVMe, S3)"};
  app.set_version_flag("--version", std::string("tiersim ") + kVersion + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  std::function<int()> action;

  // run
  RunCommand run;
  CLI::App* run_app = app.add_subcommand("run", "simulate a config: writes DIR/results.csv and DIR/summary.json");
  run_app->add_option("config", run.config_path, "config JSON file")->required();
  run_app->add_option("--set", run.overrides, "override a config value: json.path=value (repeatable)")->allow_extra_args(false);
  run_app->add_option("--out", run.out_dir, "output folder (default results/<config name>)");
  run_app->add_flag("--quiet", run.quiet, "print nothing on success");
  std::string backend = "sim";
  real::RealRunOptions real_run;
  run_app->add_option("--backend", backend, "sim (the model) or real (real transfers, checked, with the model's prediction beside)")
      ->check(CLI::IsMember({"sim", "real"}))
      ->capture_default_str();
  run_app->add_option("--nvme-dir", real_run.nvme_dir, "real: directory for the backing store's expert files (default OUT/nvme)");
  run_app->add_option("--scale", real_run.scale, "real: shrink every expert by this factor, e.g. 1/64")->capture_default_str();
  run_app->add_option("--gpu", real_run.gpu, "real: put the first tier on this CUDA GPU (default: host memory stands in for HBM)");
  run_app->add_flag("--pageable", real_run.pageable, "real: pageable instead of pinned host buffers for CUDA copies");
  run_app->add_option("--streams", real_run.streams, "real: CUDA streams per link")->capture_default_str();
  run_app->add_option("--queue-depth", real_run.queue_depth, "real: io_uring requests in flight per file link")->capture_default_str();
  run_app->add_option("--block-size", real_run.block_size, "real: io_uring request size")->capture_default_str();
  run_app->add_option("--cpus", real_run.cpus, "real: keep every thread on these CPUs, e.g. 1 or 0-3 (as calibrate was given)");
  run_app->add_flag("--single-file", real_run.single_file, "real: one file holding every expert instead of one file per expert");
  run_app->callback([&] {
    action = [&] {
      if (backend == "sim") return run_command(run);
      real_run.config_path = run.config_path;
      real_run.overrides = run.overrides;
      real_run.out_dir = run.out_dir;
      real_run.quiet = run.quiet;
      return real::run_real(real_run);
    };
  });

  // calibrate
  real::CalibrateOptions calibrate;
  CLI::App* calibrate_app = app.add_subcommand("calibrate", "measure this machine's links and write a hardware profile");
  calibrate_app->add_option("--out", calibrate.out, "the folder to write (profile.json, measurements.csv, fit.csv, wake.csv, calibration.png), e.g. configs/hardware/mybox")->required();
  calibrate_app->add_option("--nvme-dir", calibrate.nvme_dir, "directory on the drive to measure (default: current directory)");
  calibrate_app->add_option("--gpu", calibrate.gpu, "also measure H2D/D2H copies with this CUDA GPU");
  calibrate_app->add_option("--min-size", calibrate.min_size, "smallest transfer")->capture_default_str();
  calibrate_app->add_option("--max-size", calibrate.max_size, "largest transfer")->capture_default_str();
  calibrate_app->add_option("--queue-depths", calibrate.queue_depths, "io_uring queue depths to measure")->delimiter(',');
  calibrate_app->add_option("--queue-depth", calibrate.queue_depth, "the queue depth the profile's file links model")->capture_default_str();
  calibrate_app->add_option("--block-size", calibrate.block_size, "io_uring request size")->capture_default_str();
  calibrate_app->add_option("--streams", calibrate.streams, "CUDA stream counts to measure")->delimiter(',');
  calibrate_app->add_option("--bytes-per-point", calibrate.bytes_per_point, "bytes moved per measured size")->capture_default_str();
  calibrate_app->add_option("--rounds", calibrate.rounds, "measure every size in this many rounds, spread over each link's series")
      ->capture_default_str();
  calibrate_app->add_option("--buffer", calibrate.buffer,
                            "host memory the copies rotate through (default: twice --max-size and at least 512 MiB, "
                            "beyond any CPU cache)");
  calibrate_app->add_option("--io-buffer", calibrate.io_buffer,
                            "file requests cycle through this much of it, as fio's queue depth x block size buffer does "
                            "(for comparing with fio; default: all of it)");
  calibrate_app->add_flag("--skip-memcpy", calibrate.skip_memcpy, "do not measure host memory copies");
  calibrate_app->add_flag("--skip-files", calibrate.skip_files, "do not measure file I/O");
  calibrate_app->add_option("--cpus", calibrate.cpus, "keep every thread on these CPUs, e.g. 1 or 0-3 (give run --backend real the same)");
  calibrate_app->add_flag("--skip-wake", calibrate.skip_wake, "do not measure how long each link takes to wake up after idling");
  calibrate_app->add_flag("--quiet", calibrate.quiet, "print nothing on success");
  bool no_plot = false;
  calibrate_app->add_flag("--no-plot", no_plot, "do not draw DIR/calibration.png");
  calibrate_app->callback([&] {
    action = [&] {
      calibrate.plot = !no_plot;
      return real::calibrate_command(calibrate);
    };
  });

  // bench-cache
  BenchCacheCommand bench;
  CLI::App* bench_app = app.add_subcommand("bench-cache", "the MoE prototype's bench_cache.py command line, simulated");
  bench_app->add_option(prototype_flag("n_experts"), bench.n_experts, "experts")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("d_model"), bench.d_model, "expert FFN model width (sets the expert size)")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("d_hidden"), bench.d_hidden, "expert FFN hidden width (sets the expert size)")->capture_default_str()->check(count_flag());
  bench_app->add_option("--steps", bench.steps, "steps")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("gpu_slots"), bench.gpu_slots, "experts resident on the GPU")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("cpu_cache"), bench.cpu_cache, "experts in the DRAM warm cache")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("disk_root"), bench.disk_root, "accepted for compatibility; the simulator keeps no files");
  bool reset_disk = false;
  std::string device, dtype;
  uint64_t log_every = 0;
  bench_app->add_flag(prototype_flag("reset_disk"), reset_disk, "accepted for compatibility; no effect");
  bench_app->add_option("--device", device, "accepted for compatibility; no effect");
  bench_app->add_option("--dtype", dtype, "accepted for compatibility; no effect");
  bench_app->add_option(prototype_flag("log_every"), log_every, "accepted for compatibility->check(count_flag()); no effect");
  bench_app->add_option("--sampler", bench.sampler, "the sampler: " + traces::SamplerRegistry::names())->capture_default_str();
  bench_app->add_option(prototype_flag("episode_len"), bench.episode_len, "steps per episode")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("p_stay"), bench.p_stay, "markov: probability of keeping the environment")->capture_default_str();
  bench_app->add_option(prototype_flag("experts_per_step"), bench.experts_per_step, "experts requested per step")->capture_default_str()->check(count_flag());
  bench_app->add_option("--seed", bench.seed, "random seed")->capture_default_str()->check(count_flag());
  add_prototype_link_flags(*bench_app, bench.sim);
  bench_app->add_option("--trace", bench.trace, "replay this trace file instead of sampling");
  bench_app->add_option("--trace-format", bench.trace_format, format_help(false, " or auto"))->capture_default_str();
  bench_app->add_option("--mode", bench.mode, "training or inference")->capture_default_str();
  bench_app->add_option("--overlap", bench.overlap, "serial or pipelined")->capture_default_str();
  bench_app->add_option("--compute-per-layer", bench.compute_per_layer, "compute time per layer, e.g. \"2 ms\"")->capture_default_str();
  bench_app->add_option("--expert-bytes", bench.expert_bytes, "expert size (default: fp32 FFN of d_model x d_hidden)");
  bench_app->add_option("--n-layers", bench.n_layers, "MoE layers")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("n_envs"), bench.n_envs, "environments (0: n_experts)")->capture_default_str()->check(count_flag());
  bench_app->add_option(prototype_flag("envs_per_batch"), bench.envs_per_batch, "env sampler: environments per step")->capture_default_str()->check(count_flag());
  bench_app->add_option("--zipf-alpha", bench.zipf_alpha, "zipf sampler skew")->capture_default_str();
  bench_app->add_option("--noise", bench.noise, "fraction of uniformly random picks")->capture_default_str();
  bench_app->add_option("--set", bench.overrides, "override a value of the built config: json.path=value")->allow_extra_args(false);
  bench_app->add_option("--out", bench.out_dir, "output folder")->capture_default_str();
  bench_app->add_flag("--print-config", bench.print_config, "print the equivalent config and exit");
  bench_app->add_flag("--quiet", bench.quiet, "print nothing on success");
  bench_app->callback([&] { action = [&] { return bench_cache_command(bench); }; });

  // train
  TrainCommand train;
  add_train_subcommand(app, train)->callback([&] {
    action = [&] { return train.backend == "real" ? real::run_real(train_real_options(train)) : train_command(train); };
  });

  // cache
  CacheCommand cache;
  CLI::App* cache_app = app.add_subcommand("cache", "replay a trace through single-tier caches, counting misses");
  cache_app->add_option("trace", cache.trace, "trace file")->required();
  cache_app->add_option("--policy", cache.policies, "eviction policies, comma-separated, each with optional :key=value parameters: " + models::PolicyRegistry::names())->capture_default_str();
  cache_app->add_option("--size", cache.sizes, "capacities in objects, comma-separated (16,64,256)");
  cache_app->add_option("--size-bytes", cache.sizes_bytes, "capacities in bytes, comma-separated (\"1 GiB,4 GiB\")");
  cache_app->add_option("--partition", cache.partition, "layer: each capacity is per MoE layer, each layer its own policy instance")
      ->check(CLI::IsMember({"none", "layer"}))
      ->capture_default_str();
  cache_app->add_option("--format", cache.format, format_help(false, " or auto"))->capture_default_str();
  cache_app->add_option("--out", cache.out_dir, "also write DIR/results.csv");
  cache_app->callback([&] { action = [&] { return cache_command(cache); }; });

  // sweep / merge
  SweepCommand sweep;
  CLI::App* sweep_app = app.add_subcommand("sweep", "run a sweep file's points in parallel into DIR/results.csv");
  sweep_app->add_option("sweep", sweep.sweep_path, "sweep JSON file")->required();
  sweep_app->add_option("--out", sweep.out_dir, "output folder");
  sweep_app->add_option("--jobs", sweep.jobs, "worker threads (default: the machine's cores)")->check(CLI::PositiveNumber);
  sweep_app->add_flag("--dry-run", sweep.dry_run, "print the points and their count, run nothing");
  sweep_app->add_flag("--resume", sweep.resume, "run only the points DIR does not have yet");
  sweep_app->add_flag("--force", sweep.force, "replace what DIR holds");
  sweep_app->add_option("--shard", sweep.shard, "run only the K-th of N disjoint shares of the points: K/N");
  sweep_app->add_flag("--quiet", sweep.quiet, "no progress on stderr");
  sweep_app->add_flag("--slurm", sweep.slurm, "write DIR/slurm/sweep.sbatch (a job array, one task per shard) and merge.sbatch");
  sweep_app->add_option("--shards", sweep.shards, "--slurm: array tasks (shards)")->check(CLI::PositiveNumber);
  sweep_app->add_flag("--submit", sweep.submit, "--slurm: submit both with sbatch (the merge after the whole array)");
  sweep_app->add_option("--partition", sweep.partition, "--slurm: Slurm partition");
  sweep_app->add_option("--time", sweep.time_limit, "--slurm: time limit per task (sbatch --time)");
  sweep_app->callback([&] { action = [&] { return sweep_command(sweep); }; });
  MergeCommand merge;
  CLI::App* merge_app = app.add_subcommand("merge", "join the shard folders of one sweep into one results.csv");
  merge_app->add_option("dirs", merge.dirs, "shard output folders")->required();
  merge_app->add_option("--out", merge.out_dir, "output folder")->required();
  merge_app->callback([&] { action = [&] { return merge_command(merge); }; });

  // plot
  std::string plot_dir;
  CLI::App* plot_app = app.add_subcommand("plot", "figures and report.html for any results folder (analysis/plot.py)");
  plot_app->add_option("dir", plot_dir, "the --out folder of tiersim run, sweep, cache, mrc or calibrate")->required();
  plot_app->callback([&] { action = [&] { return plot_command(plot_dir); }; });

  // mrc
  MrcCommand mrc;
  CLI::App* mrc_app = app.add_subcommand("mrc", "exact LRU miss-ratio curves at every capacity, in one pass");
  mrc_app->add_option("trace", mrc.trace, "trace file")->required();
  mrc_app->add_option("--l1", mrc.l1_sizes,
                      "first-tier LRU capacities (objects, comma-separated): also the curve of the tier below each");
  mrc_app->add_option("--inclusion", mrc.inclusion,
                      "the two-tier hierarchies: inclusive (the second tier sees the first's misses) or exclusive (the "
                      "first's victims move into the second)")
      ->check(CLI::IsMember({"inclusive", "exclusive"}))
      ->capture_default_str();
  mrc_app->add_option("--format", mrc.format, format_help(false, " or auto"))->capture_default_str();
  mrc_app->add_option("--max-size", mrc.max_size, "leave capacities above this out of the CSV")->check(CLI::PositiveNumber);
  mrc_app->add_option("--out", mrc.out_dir, "write DIR/mrc.csv (every capacity)");
  mrc_app->callback([&] { action = [&] { return mrc_command(mrc); }; });

  // trace gen / trace stats
  CLI::App* trace_app = app.add_subcommand("trace", "generate and inspect traces");
  trace_app->require_subcommand(1);
  TraceGenCommand gen;
  GeneratorFlags gen_flags;
  CLI::App* gen_app = trace_app->add_subcommand("gen", "generate an expert routing trace");
  gen_flags.add(*gen_app);
  gen_app->add_option("--format", gen.format, format_help(true, ""))->capture_default_str();
  gen_app->add_option("--object-size", gen.object_size, "bytes per object in oracleGeneral records")->capture_default_str();
  gen_app->add_option("-o", gen.output, "the trace file to write")->required();
  gen_app->callback([&] {
    action = [&] {
      gen.generator = gen_flags.given();
      return trace_gen_command(gen);
    };
  });
  TraceGenKvCommand gen_kv;
  CLI::App* gen_kv_app = trace_app->add_subcommand("gen-kv", "write a kv_cache config's synthetic requests as Mooncake JSON lines");
  gen_kv_app->add_option("config", gen_kv.config_path, "a config whose workload is kv_cache with a \"generator\"")->required();
  gen_kv_app->add_option("--set", gen_kv.overrides, "override a config value: json.path=value (repeatable)");
  gen_kv_app->add_option("-o", gen_kv.output, "the trace file to write (.jsonl)")->required();
  gen_kv_app->callback([&] { action = [&] { return trace_gen_kv_command(gen_kv); }; });
  TraceToApiCommand to_api;
  CLI::App* to_api_app = trace_app->add_subcommand("to-api", "write a Mooncake trace as the KV store's API calls (query, load, store per request)");
  to_api_app->add_option("trace", to_api.trace, "a Mooncake JSON-lines trace (.jsonl or .jsonl.zst)")->required();
  to_api_app->add_option("--block-tokens", to_api.block_tokens, "tokens per block (hash id)")->capture_default_str()->check(CLI::Range(1u, 1u << 20));
  to_api_app->add_option("-o", to_api.output, "the API trace to write (.jsonl)")->required();
  to_api_app->callback([&] { action = [&] { return trace_to_api_command(to_api); }; });
  TraceStatsCommand stats;
  CLI::App* stats_app = trace_app->add_subcommand("stats", "expert traces: unique experts per step, reuse distances, working set; KV traces: hit ratio of an unbounded prefix cache, prefix reuse, working set; API traces: calls by op and an unbounded store's load hits");
  stats_app->add_option("trace", stats.trace, "trace file")->required();
  stats_app->add_option("--format", stats.format, format_help(false, ", mooncake, api (KV traces) or auto"))->capture_default_str();
  stats_app->add_option("--block-tokens", stats.block_tokens, "KV traces: tokens per block (hash id)")->capture_default_str();
  stats_app->add_option("--kv-bytes-per-token", stats.kv_bytes_per_token, "KV traces: KV cache per token, e.g. \"320 KB\", for the working set in bytes");
  stats_app->add_option("--window", stats.windows, "working-set windows in steps, comma-separated")->capture_default_str();
  stats_app->add_flag("--json", stats.json, "print JSON");
  stats_app->callback([&] { action = [&] { return trace_stats_command(stats); }; });

  // list
  std::string list_what;
  CLI::App* list_app = app.add_subcommand("list", "list what can be named: policies, prefetchers, samplers, formats, links, workloads, models, gpus");
  list_app->add_option("what", list_what, "policies, prefetchers, samplers, formats, links, workloads, models or gpus (default: all)");
  list_app->callback([&] { action = [&] { return list_command(list_what); }; });

  if (const auto renamed = renamed_flag_error(argc, argv)) {
    std::fprintf(stderr, "tiersim %s\n", renamed->c_str());
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help and --version exit 0; usage errors 1
  }
  install_stop_handlers();
  try {
    return action ? action() : 1;
  } catch (const sim::progress::Interrupted& e) {  // finished work kept; nothing half-written
    std::fflush(stdout);
    std::fprintf(stderr, "\ntiersim: %s; stopped cleanly\n", e.what());
    return 128 + e.signal();
  } catch (const InputError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: error: %s\n", e.what());
    return 2;
  } catch (const RunFailure& e) {  // the run stopped as configured (warm_tier.integrity)
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: run failed: %s\n", e.what());
    return 4;
  } catch (const real::BackendUnavailable& e) {  // the machine lacks what the real backend needs
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: cannot run on this machine: %s\n", e.what());
    return 6;
  } catch (const std::overflow_error& e) {  // sim::TimeOverflow: the input asks for too much time
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: error: %s\n", e.what());
    return 2;
  } catch (const IoError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: error: %s\n", e.what());
    return 3;
  } catch (const std::filesystem::filesystem_error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: error: %s: %s\n", e.path1().c_str(), e.code().message().c_str());
    return 3;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: error: out of memory\n");
    return 3;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tiersim: internal error: %s\n", e.what());
    return 70;
  }
}
