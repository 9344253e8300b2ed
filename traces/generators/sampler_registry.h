#pragma once
// The names under which samplers are chosen, with the parameters each takes. A sampler
// file registers itself with
//   TIERSIM_REGISTER_SAMPLER(EpisodeSampler, "episode", "what it does", {parameters...}[, &check]);
// `tiersim list samplers` prints them, and `tiersim trace gen` has a flag for every
// parameter of every sampler.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/containers/named_registry.h"
#include "traces/generators/generator_spec.h"
#include "traces/generators/i_sampler.h"

namespace tiersim::traces {

// One parameter a sampler reads from its generator block. Several samplers may declare
// the same key; they then declare it alike.
struct SamplerParameter {
  std::string key;
  double fallback;
  double min, max;
  bool integer;
  std::string help;
};

using SamplerFactory = std::unique_ptr<Sampler> (*)(const GeneratorSpec& spec);
// Checks that need more than each parameter's range (a sampler's own); may be null.
using SamplerCheck = void (*)(const GeneratorSpec& spec, const std::string& prefix);

struct SamplerEntry {
  std::string name;
  std::string description;
  SamplerFactory make;
  std::vector<SamplerParameter> parameters;
  SamplerCheck check = nullptr;
};

using SamplerRegistry = sim::NamedRegistry<SamplerEntry>;

template <class T>
std::unique_ptr<Sampler> make_sampler(const GeneratorSpec& spec) {
  return std::make_unique<T>(spec);
}

// Every parameter any registered sampler declares, once each, by key.
std::vector<SamplerParameter> all_sampler_parameters();
// The declaration of `key`, or null.
const SamplerParameter* find_sampler_parameter(const std::string& key);

// Helpers every sampler uses.
// Sorts and removes duplicates.
void sort_unique(std::vector<uint32_t>& experts);
// A per-layer offset so different layers route to different experts.
uint32_t layer_offset(uint64_t seed, uint32_t layer, uint32_t n_experts);

}  // namespace tiersim::traces

#define TIERSIM_REGISTER_SAMPLER(Class, name, description, ...)                                                \
  [[maybe_unused]] static const bool tiersim_sampler_registered_##Class = ::tiersim::traces::SamplerRegistry::add( \
      {name, description, &::tiersim::traces::make_sampler<Class>, __VA_ARGS__})
