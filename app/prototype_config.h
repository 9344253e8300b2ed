#pragma once
// What `tiersim bench-cache` and `tiersim train` both build from the MoE prototype's
// flags: its three tiers (GPU slots, CPU cache, disk), its latency model's links (H2D/D2H
// at their GB/s, disk reads and writes at theirs plus the extra milliseconds per I/O), and
// a generator block with the sampler flags the chosen sampler reads.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace tiersim {

struct PrototypeLinks {
  double h2d_gbps = 12.0;
  double d2h_gbps = 12.0;
  double disk_read_gbps = 3.0;
  double disk_write_gbps = 2.0;
  double extra_ms_per_io = 0.2;
};

// Sets config["tiers"] and config["links"]; throws InputError (naming the --sim_* flag) on
// a rate that is not positive.
void add_prototype_topology(nlohmann::json& config, const PrototypeLinks& links, uint64_t gpu_slots, uint64_t cpu_cache);

// Copies into `generator` the flags (by sampler parameter key) that its sampler declares.
void add_sampler_flags(nlohmann::json& generator, const std::map<std::string, nlohmann::json>& flags);

// "%.17g UNIT": a flag's value written into a config without losing digits.
std::string decimal_with_unit(double value, const char* unit);

}  // namespace tiersim
