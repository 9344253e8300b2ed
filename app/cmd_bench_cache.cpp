// `tiersim bench-cache`: the MoE prototype's bench_cache.py command line, run on the simulator.
// The flags become a three-tier config (GPU slots, CPU cache, disk) with the prototype's
// latency model: H2D/D2H at their GB/s, disk reads and writes at theirs plus the extra
// milliseconds per I/O (the prototype adds those to disk I/O only).
#include <cstdio>
#include <map>

#include "sim/errors.h"
#include "sim/config/overrides.h"
#include "app/commands.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim {

namespace {

std::string decimal(double value, const char* unit) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g %s", value, unit);
  return text;
}

void require_positive(double value, const char* flag) {
  if (!(value > 0)) {
    throw InputError(std::string(flag) + ": expected a positive rate in GB/s, got " + decimal(value, "") +
                     "(tiersim always models transfer time)");
  }
}

}  // namespace

nlohmann::json bench_cache_config(const BenchCacheCommand& c) {
  require_positive(c.sim_h2d_gbps, "--sim_h2d_gbps");
  require_positive(c.sim_d2h_gbps, "--sim_d2h_gbps");
  require_positive(c.sim_disk_read_gbps, "--sim_disk_read_gbps");
  require_positive(c.sim_disk_write_gbps, "--sim_disk_write_gbps");
  if (!(c.sim_extra_ms_per_io >= 0)) throw InputError("--sim_extra_ms_per_io: expected milliseconds >= 0");
  using nlohmann::json;
  const std::string extra = decimal(c.sim_extra_ms_per_io, "ms");
  json config = {
      {"name", "bench_cache"},
      {"description", "the MoE prototype's bench_cache.py command line"},
      {"seed", c.seed},
      {"tiers", json::array({{{"name", "gpu"}, {"capacity", c.gpu_slots}, {"policy", "lru"}},
                             {{"name", "cpu"}, {"capacity", c.cpu_cache}, {"policy", "lru"}},
                             {{"name", "disk"}}})},
      {"links", json::array({
                    {{"name", "h2d"}, {"from", "cpu"}, {"to", "gpu"}, {"bandwidth", decimal(c.sim_h2d_gbps, "GB/s")}},
                    {{"name", "d2h"}, {"from", "gpu"}, {"to", "cpu"}, {"bandwidth", decimal(c.sim_d2h_gbps, "GB/s")}},
                    {{"name", "disk_read"}, {"from", "disk"}, {"to", "cpu"}, {"bandwidth", decimal(c.sim_disk_read_gbps, "GB/s")},
                     {"per_io_overhead", extra}},
                    {{"name", "disk_write"}, {"from", "cpu"}, {"to", "disk"}, {"bandwidth", decimal(c.sim_disk_write_gbps, "GB/s")},
                     {"per_io_overhead", extra}},
                })},
  };
  // The MoE prototype's expert: an FFN of fp32 w1 [d_hidden x d_model], b1, w2 [d_model x d_hidden], b2.
  const uint64_t ffn_bytes = 4ull * (2ull * c.d_model * c.d_hidden + c.d_hidden + c.d_model);
  json workload = {{"type", "expert_replay"},
                   {"mode", c.mode},
                   {"overlap", c.overlap},
                   {"compute_per_layer", c.compute_per_layer},
                   {"expert_bytes", c.expert_bytes.empty() ? json(ffn_bytes) : json(c.expert_bytes)},
                   {"bench_cache_counters", true}};
  if (!c.trace.empty()) {
    workload["trace"] = {{"path", c.trace}, {"format", c.trace_format}};
  } else {
    nlohmann::json generator = {{"sampler", c.sampler}, {"n_experts", c.n_experts}, {"n_layers", c.n_layers},
                                {"experts_per_step", c.experts_per_step}, {"steps", c.steps}, {"seed", c.seed}};
    // The prototype's sampler flags, given to the sampler that reads them.
    const std::map<std::string, nlohmann::json> sampler_flags = {
        {"episode_len", c.episode_len}, {"p_stay", c.p_stay},         {"n_envs", c.n_envs},
        {"envs_per_batch", c.envs_per_batch}, {"zipf_alpha", c.zipf_alpha}, {"noise", c.noise}};
    if (const traces::SamplerEntry* sampler = traces::SamplerRegistry::find(c.sampler)) {
      for (const traces::SamplerParameter& p : sampler->parameters) {
        const auto flag = sampler_flags.find(p.key);
        if (flag != sampler_flags.end()) generator[p.key] = flag->second;
      }
    }
    workload["generator"] = generator;
  }
  config["workload"] = workload;
  for (const std::string& assignment : c.overrides) apply_override(config, assignment);
  return config;
}

int bench_cache_command(const BenchCacheCommand& command) {
  const nlohmann::json config = bench_cache_config(command);
  if (command.print_config) {
    std::printf("%s\n", config.dump(2).c_str());
    return 0;
  }
  return run_simulation(config, "bench-cache flags", "", command.out_dir, command.quiet);
}

}  // namespace tiersim
