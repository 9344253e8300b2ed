#include "traces/generators/generator_spec.h"

#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

GeneratorSpec parse_generator(const ConfigNode& node, uint64_t default_seed) {
  node.allow_only({"sampler", "n_experts", "n_layers", "experts_per_step", "steps", "seed", "episode_len", "p_stay",
                   "n_envs", "envs_per_batch", "zipf_alpha", "noise", "env_width"});
  GeneratorSpec s;
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
  s.episode_len = static_cast<uint32_t>(node.uint_or("episode_len", s.episode_len, 1, UINT32_MAX));
  s.p_stay = node.double_or("p_stay", s.p_stay, 0.0, 1.0);
  s.n_envs = static_cast<uint32_t>(node.uint_or("n_envs", s.n_envs, 0, UINT32_MAX));
  s.envs_per_batch = static_cast<uint32_t>(node.uint_or("envs_per_batch", s.envs_per_batch, 1, 1u << 20));
  s.zipf_alpha = node.double_or("zipf_alpha", s.zipf_alpha, 0.0, 100.0);
  s.noise = node.double_or("noise", s.noise, 0.0, 1.0);
  s.env_width = static_cast<uint32_t>(node.uint_or("env_width", s.env_width, 1, UINT32_MAX));
  try {
    validate(s, "");
  } catch (const InputError& e) {
    node.fail(e.what());
  }
  return s;
}

void validate(const GeneratorSpec& s, const std::string& where) {
  const std::string prefix = where.empty() ? "" : where + ": ";
  if (!SamplerRegistry::find(s.sampler)) {
    throw InputError(prefix + "unknown sampler \"" + s.sampler + "\"; expected one of: " + SamplerRegistry::names());
  }
  if (s.experts_per_step > s.n_experts) {
    throw InputError(prefix + "experts_per_step (" + std::to_string(s.experts_per_step) + ") exceeds n_experts (" +
                     std::to_string(s.n_experts) + ")");
  }
  if (s.sampler == "env" && s.envs_per_batch > s.environments()) {
    throw InputError(prefix + "envs_per_batch (" + std::to_string(s.envs_per_batch) + ") exceeds n_envs (" +
                     std::to_string(s.environments()) + ")");
  }
  if (s.n_experts == 0 || s.n_layers == 0 || s.experts_per_step == 0 || s.steps == 0 || s.episode_len == 0 ||
      s.envs_per_batch == 0 || s.env_width == 0) {
    throw InputError(prefix + "n_experts, n_layers, experts_per_step, steps, episode_len, envs_per_batch and env_width must be at least 1");
  }
  if (!(s.p_stay >= 0 && s.p_stay <= 1)) throw InputError(prefix + "p_stay must be in [0, 1]");
  if (!(s.noise >= 0 && s.noise <= 1)) throw InputError(prefix + "noise must be in [0, 1]");
  if (!(s.zipf_alpha >= 0 && s.zipf_alpha <= 100)) throw InputError(prefix + "zipf_alpha must be in [0, 100]");
}

}  // namespace tiersim::traces
