#include "app/prototype_config.h"

#include <cstdio>

#include "sim/errors.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim {

namespace {

void require_positive(double value, const char* flag) {
  if (!(value > 0)) {
    throw InputError(std::string(flag) + ": expected a positive rate in GB/s, got " + decimal_with_unit(value, "") +
                     "(tiersim always models transfer time)");
  }
}

}  // namespace

std::string decimal_with_unit(double value, const char* unit) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g %s", value, unit);
  return text;
}

void add_prototype_topology(nlohmann::json& config, const PrototypeLinks& l, uint64_t gpu_slots, uint64_t cpu_cache) {
  require_positive(l.h2d_gbps, "--sim_h2d_gbps");
  require_positive(l.d2h_gbps, "--sim_d2h_gbps");
  require_positive(l.disk_read_gbps, "--sim_disk_read_gbps");
  require_positive(l.disk_write_gbps, "--sim_disk_write_gbps");
  if (!(l.extra_ms_per_io >= 0)) throw InputError("--sim_extra_ms_per_io: expected milliseconds >= 0");
  using nlohmann::json;
  const std::string extra = decimal_with_unit(l.extra_ms_per_io, "ms");
  config["tiers"] = json::array({{{"name", "gpu"}, {"capacity", gpu_slots}, {"policy", "lru"}},
                                 {{"name", "cpu"}, {"capacity", cpu_cache}, {"policy", "lru"}},
                                 {{"name", "disk"}}});
  config["links"] = json::array({
      {{"name", "h2d"}, {"from", "cpu"}, {"to", "gpu"}, {"bandwidth", decimal_with_unit(l.h2d_gbps, "GB/s")}},
      {{"name", "d2h"}, {"from", "gpu"}, {"to", "cpu"}, {"bandwidth", decimal_with_unit(l.d2h_gbps, "GB/s")}},
      {{"name", "disk_read"}, {"from", "disk"}, {"to", "cpu"}, {"bandwidth", decimal_with_unit(l.disk_read_gbps, "GB/s")},
       {"per_io_overhead", extra}},
      {{"name", "disk_write"}, {"from", "cpu"}, {"to", "disk"}, {"bandwidth", decimal_with_unit(l.disk_write_gbps, "GB/s")},
       {"per_io_overhead", extra}},
  });
}

void add_sampler_flags(nlohmann::json& generator, const std::map<std::string, nlohmann::json>& flags) {
  const auto name = generator.find("sampler");
  if (name == generator.end() || !name->is_string()) return;  // the config check names what is wrong
  const traces::SamplerEntry* sampler = traces::SamplerRegistry::find(name->get<std::string>());
  if (!sampler) return;  // the config check names the unknown sampler
  for (const traces::SamplerParameter& p : sampler->parameters) {
    const auto flag = flags.find(p.key);
    if (flag != flags.end()) generator[p.key] = flag->second;
  }
}

}  // namespace tiersim
