#include "traces/generators/generator_spec.h"

#include <cmath>

#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

namespace {

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

}  // namespace

GeneratorSpec parse_generator(const ConfigNode& node, uint64_t default_seed, uint32_t default_experts_per_step) {
  const std::vector<SamplerParameter> declared = all_sampler_parameters();
  std::vector<std::string_view> keys(std::begin(kGeneratorKeys), std::end(kGeneratorKeys));
  for (const SamplerParameter& p : declared) keys.push_back(p.key);
  node.allow_only(keys);
  GeneratorSpec s;
  s.experts_per_step = default_experts_per_step;
  if (auto sampler = node.find("sampler")) {
    s.sampler = sampler->as_string();
    if (!SamplerRegistry::find(s.sampler)) {
      sampler->fail("unknown sampler \"" + s.sampler + "\"; expected one of: " + SamplerRegistry::names());
    }
  }
  s.n_experts = static_cast<uint32_t>(node.uint_or("n_experts", s.n_experts, 1, UINT32_MAX));
  s.n_layers = static_cast<uint32_t>(node.uint_or("n_layers", s.n_layers, 1, 1u << 20));
  s.experts_per_step = static_cast<uint32_t>(node.uint_or("experts_per_step", s.experts_per_step, 1, 1u << 20));
  s.steps = node.uint_or("steps", s.steps, 1, uint64_t{1} << 40);
  s.seed = node.uint_or("seed", default_seed);
  for (const SamplerParameter& p : declared) {
    if (!node.has(p.key)) continue;
    s.set(p.key, p.integer ? static_cast<double>(node.uint_or(p.key, 0, static_cast<uint64_t>(p.min), static_cast<uint64_t>(p.max)))
                           : node.double_or(p.key, p.fallback, p.min, p.max));
  }
  try {
    validate(s, "");
  } catch (const InputError& e) {
    node.fail(e.what());
  }
  return s;
}

void validate(const GeneratorSpec& s, const std::string& where) {
  const std::string prefix = where.empty() ? "" : where + ": ";
  const SamplerEntry* sampler = SamplerRegistry::find(s.sampler);
  if (!sampler) {
    throw InputError(prefix + "unknown sampler \"" + s.sampler + "\"; expected one of: " + SamplerRegistry::names());
  }
  if (s.n_experts == 0 || s.n_layers == 0 || s.experts_per_step == 0 || s.steps == 0) {
    throw InputError(prefix + "n_experts, n_layers, experts_per_step and steps must be at least 1");
  }
  if (s.experts_per_step > s.n_experts) {
    throw InputError(prefix + "experts_per_step (" + std::to_string(s.experts_per_step) + ") exceeds n_experts (" +
                     std::to_string(s.n_experts) + ")");
  }
  for (const auto& [key, value] : s.parameters) {
    const SamplerParameter* p = find_sampler_parameter(key);
    if (!p) throw InputError(prefix + "no sampler takes the parameter \"" + key + "\"");
    if (!(value >= p->min && value <= p->max) || (p->integer && value != std::floor(value))) {
      throw InputError(prefix + key + " must be " + (p->integer ? "an integer " : "") + "in [" + number_text(p->min) + ", " +
                       number_text(p->max) + "], got " + number_text(value));
    }
  }
  if (sampler->check) sampler->check(s, prefix);
}

}  // namespace tiersim::traces
