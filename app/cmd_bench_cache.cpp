// `tiersim bench-cache`: the MoE prototype's bench_cache.py command line, run on the simulator.
// The flags become a three-tier config (GPU slots, CPU cache, disk) with the prototype's
// latency model (app/prototype_config.h; the prototype adds the extra milliseconds per
// I/O to disk I/O only).

#include "sim/config/overrides.h"
#include "app/commands.h"
#include "app/prototype_config.h"

namespace tiersim {

nlohmann::json bench_cache_config(const BenchCacheCommand& c) {
  using nlohmann::json;
  json config = {
      {"name", "bench_cache"},
      {"description", "the MoE prototype's bench_cache.py command line"},
      {"seed", c.seed},
  };
  add_prototype_topology(config, c.sim, c.gpu_slots, c.cpu_cache);
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
    add_sampler_flags(generator, {{"episode_len", c.episode_len}, {"p_stay", c.p_stay}, {"n_envs", c.n_envs},
                                  {"envs_per_batch", c.envs_per_batch}, {"zipf_alpha", c.zipf_alpha}, {"noise", c.noise}});
    workload["generator"] = generator;
  }
  config["workload"] = workload;
  for (const std::string& assignment : c.overrides) apply_override(config, assignment);
  return config;
}

int bench_cache_command(const BenchCacheCommand& command) {
  return print_or_simulate(bench_cache_config(command), command.print_config, "bench-cache flags", command.out_dir, command.quiet);
}

}  // namespace tiersim
