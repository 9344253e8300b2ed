#pragma once
// The parameters of a synthetic expert routing trace, shared by `tiersim trace gen`,
// `tiersim bench-cache` and a config's workload.generator block (same names everywhere).
// The keys every sampler takes are fields; each sampler declares its own parameters in
// its registry entry (traces/generators/sampler_registry.h), and their values sit in
// `parameters`. A block may carry any registered sampler's parameters (so that a sweep can
// switch samplers); the chosen sampler reads its own.
#include <cstdint>
#include <map>
#include <string>

namespace tiersim {
class ConfigNode;
}

namespace tiersim::traces {

struct GeneratorSpec {
  std::string sampler = "episode";
  uint32_t n_experts = 1024;
  uint32_t n_layers = 1;
  uint32_t experts_per_step = 4;  // routing picks per layer per step (and per environment for `env`)
  uint64_t steps = 2000;
  uint64_t seed = 0;
  std::map<std::string, double> parameters;  // samplers' parameters given, by key

  // A sampler parameter: the value given, else its declared default. Throws
  // std::logic_error for a key no sampler declares.
  double parameter(const std::string& key) const;
  uint32_t count(const std::string& key) const { return static_cast<uint32_t>(parameter(key)); }
  void set(const std::string& key, double value) { parameters[key] = value; }
};

// The keys every generator block takes (besides the samplers' parameters).
inline constexpr const char* kGeneratorKeys[] = {"sampler", "n_experts", "n_layers", "experts_per_step", "steps", "seed"};

// Reads a generator block; every key is optional, and keys neither common nor declared by
// a sampler are errors. `default_seed` is used when the block has no seed, and
// `default_experts_per_step` without experts_per_step (a training block's top-1 routing: 1).
GeneratorSpec parse_generator(const ConfigNode& node, uint64_t default_seed, uint32_t default_experts_per_step = 4);

// Range and consistency checks (including the chosen sampler's own); throws InputError
// prefixed with `where`.
void validate(const GeneratorSpec& spec, const std::string& where);

}  // namespace tiersim::traces
