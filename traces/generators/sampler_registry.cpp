#include "traces/generators/sampler_registry.h"

#include <algorithm>
#include <stdexcept>

#include "sim/engine/random.h"

namespace tiersim::traces {

std::vector<SamplerParameter> all_sampler_parameters() {
  std::vector<SamplerParameter> all;
  for (const SamplerEntry* e : SamplerRegistry::all()) {
    for (const SamplerParameter& p : e->parameters) {
      const bool seen = std::any_of(all.begin(), all.end(), [&](const SamplerParameter& q) { return q.key == p.key; });
      if (!seen) all.push_back(p);
    }
  }
  std::sort(all.begin(), all.end(), [](const SamplerParameter& a, const SamplerParameter& b) { return a.key < b.key; });
  return all;
}

const SamplerParameter* find_sampler_parameter(const std::string& key) {
  for (const SamplerEntry* e : SamplerRegistry::all())
    for (const SamplerParameter& p : e->parameters)
      if (p.key == key) return &p;
  return nullptr;
}

double GeneratorSpec::parameter(const std::string& key) const {
  const auto it = parameters.find(key);
  if (it != parameters.end()) return it->second;
  const SamplerParameter* declared = find_sampler_parameter(key);
  if (!declared) throw std::logic_error("no sampler declares the parameter \"" + key + "\"");
  return declared->fallback;
}

void sort_unique(std::vector<uint32_t>& experts) {
  std::sort(experts.begin(), experts.end());
  experts.erase(std::unique(experts.begin(), experts.end()), experts.end());
}

uint32_t layer_offset(uint64_t seed, uint32_t layer, uint32_t n_experts) {
  if (layer == 0) return 0;
  return static_cast<uint32_t>(sim::mix64(seed ^ (0x51ed2701ull * (layer + 1))) % n_experts);
}

}  // namespace tiersim::traces
