#include "traces/generators/sampler_registry.h"

#include <algorithm>
#include <stdexcept>

#include "sim/engine/random.h"

namespace tiersim::traces {

namespace {
std::vector<SamplerEntry>& entries() {
  static std::vector<SamplerEntry> list;
  return list;
}
}  // namespace

bool SamplerRegistry::add(SamplerEntry entry) {
  if (find(entry.name)) throw std::logic_error("sampler registered twice: " + entry.name);
  entries().push_back(std::move(entry));
  return true;
}

const SamplerEntry* SamplerRegistry::find(std::string_view name) {
  for (const SamplerEntry& e : entries())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<const SamplerEntry*> SamplerRegistry::all() {
  std::vector<const SamplerEntry*> list;
  for (const SamplerEntry& e : entries()) list.push_back(&e);
  std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return list;
}

std::string SamplerRegistry::names() {
  std::string out;
  for (const SamplerEntry* e : all()) out += (out.empty() ? "" : ", ") + e->name;
  return out;
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
