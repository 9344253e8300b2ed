#pragma once
// The names under which samplers are chosen. A sampler file registers itself with
//   TIERSIM_REGISTER_SAMPLER(EpisodeSampler, "episode", "what it does");
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/containers/named_registry.h"
#include "traces/generators/generator_spec.h"
#include "traces/generators/i_sampler.h"

namespace tiersim::traces {

using SamplerFactory = std::unique_ptr<Sampler> (*)(const GeneratorSpec& spec);

struct SamplerEntry {
  std::string name;
  std::string description;
  SamplerFactory make;
};

using SamplerRegistry = sim::NamedRegistry<SamplerEntry>;

template <class T>
std::unique_ptr<Sampler> make_sampler(const GeneratorSpec& spec) {
  return std::make_unique<T>(spec);
}

// Helpers every sampler uses.
// Sorts and removes duplicates.
void sort_unique(std::vector<uint32_t>& experts);
// A per-layer offset so different layers route to different experts.
uint32_t layer_offset(uint64_t seed, uint32_t layer, uint32_t n_experts);

}  // namespace tiersim::traces

#define TIERSIM_REGISTER_SAMPLER(Class, name, description)                                                      \
  [[maybe_unused]] static const bool tiersim_sampler_registered_##Class = ::tiersim::traces::SamplerRegistry::add( \
      {name, description, &::tiersim::traces::make_sampler<Class>})
