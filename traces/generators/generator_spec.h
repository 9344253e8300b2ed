#pragma once
// The parameters of a synthetic expert routing trace, shared by `tiersim trace gen`,
// `tiersim bench-cache` and a config's workload.generator block (same names everywhere).
#include <cstdint>
#include <string>

namespace tiersim {
class ConfigNode;
}

namespace tiersim::traces {

struct GeneratorSpec {
  std::string sampler = "episode";
  uint32_t n_experts = 1024;
  uint32_t n_layers = 1;
  uint32_t experts_per_step = 4;  // routing picks per layer per step (and per env for `env`)
  uint64_t steps = 2000;
  uint64_t seed = 0;
  uint32_t episode_len = 20;      // episode: steps per environment run
  double p_stay = 0.9;            // markov: probability of keeping the environment
  uint32_t n_envs = 0;            // environments; 0 means n_experts
  uint32_t envs_per_batch = 1;    // env: environments per step
  double zipf_alpha = 1.0;        // zipf and env: popularity skew
  double noise = 0.0;             // fraction of picks drawn uniformly instead
  uint32_t env_width = 8;         // experts an environment routes to (around its base)

  uint32_t environments() const { return n_envs ? n_envs : n_experts; }
};

// Reads a generator block; every key is optional except where noted, and unknown keys
// are errors. `default_seed` is used when the block has no seed.
GeneratorSpec parse_generator(const ConfigNode& node, uint64_t default_seed);

// Range and consistency checks; throws InputError prefixed with `where`.
void validate(const GeneratorSpec& spec, const std::string& where);

}  // namespace tiersim::traces
