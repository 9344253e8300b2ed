#include "models/links/link_parameters.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/links/link_model_registry.h"
#include "sim/config/config_node.h"
#include "sim/config/units.h"

namespace tiersim::models {

namespace {

std::string bandwidth_text(uint64_t Bps) {
  char text[48];
  std::snprintf(text, sizeof text, "%.1f MB/s", static_cast<double>(Bps) / 1e6);
  return text;
}

std::string duration_text(sim::Time ps) {
  char text[48];
  std::snprintf(text, sizeof text, "%.3f us", static_cast<double>(ps) / 1e6);
  return text;
}

// One row of the table: its key, how a node's value is read, how it is written.
struct Row {
  std::string_view key;
  void (*read)(const ConfigNode& value, LinkParameters& p);
  void (*write)(const LinkParameters& p, nlohmann::ordered_json& entry);
};

const Row kTable[] = {
    {"model",
     [](const ConfigNode& v, LinkParameters& p) {
       const std::string name = v.as_string();
       if (!LinkModelRegistry::find(name)) v.fail("unknown link model \"" + name + "\"; expected one of: " + LinkModelRegistry::names());
       p.model = name;
     },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.model) e["model"] = *p.model;
     }},
    {"bandwidth", [](const ConfigNode& v, LinkParameters& p) { p.bandwidth_Bps = v.as_bandwidth_Bps(); },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.bandwidth_Bps) e["bandwidth"] = bandwidth_text(*p.bandwidth_Bps);
     }},
    {"latency", [](const ConfigNode& v, LinkParameters& p) { p.latency = v.as_duration(); },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.latency) e["latency"] = duration_text(*p.latency);
     }},
    {"per_io_overhead", [](const ConfigNode& v, LinkParameters& p) { p.per_io_overhead = v.as_duration(); },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.per_io_overhead) e["per_io_overhead"] = duration_text(*p.per_io_overhead);
     }},
    {"channels", [](const ConfigNode& v, LinkParameters& p) { p.channels = static_cast<uint32_t>(v.as_uint(1, 1 << 20)); },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.channels) e["channels"] = *p.channels;
     }},
    {"sharing",
     [](const ConfigNode& v, LinkParameters& p) { p.sharing = v.as_enum({"fifo", "shared"}) == "fifo" ? Sharing::kFifo : Sharing::kShared; },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.sharing) e["sharing"] = *p.sharing == Sharing::kFifo ? "fifo" : "shared";
     }},
    {"small_transfers",
     [](const ConfigNode& v, LinkParameters& p) {
       v.allow_only({"below", "bandwidth", "latency", "per_io_overhead"});
       p.small_below = v.at("below").as_bytes();
       p.small_bandwidth_Bps = v.at("bandwidth").as_bandwidth_Bps();
       p.small_latency = v.has("latency") ? v.at("latency").as_duration() : 0;
       p.small_per_io_overhead = v.has("per_io_overhead") ? v.at("per_io_overhead").as_duration() : 0;
     },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (!p.small_below) return;
       nlohmann::ordered_json s;
       s["below"] = sim::units::format_bytes(*p.small_below);
       if (p.small_bandwidth_Bps) s["bandwidth"] = bandwidth_text(*p.small_bandwidth_Bps);
       if (p.small_latency) s["latency"] = duration_text(*p.small_latency);
       if (p.small_per_io_overhead) s["per_io_overhead"] = duration_text(*p.small_per_io_overhead);
       e["small_transfers"] = s;
     }},
    {"wake",
     [](const ConfigNode& v, LinkParameters& p) {
       v.allow_only({"after", "latency"});
       p.wake_after = v.at("after").as_duration();
       p.wake_latency = v.at("latency").as_duration();
     },
     [](const LinkParameters& p, nlohmann::ordered_json& e) {
       if (p.wake_after && p.wake_latency) e["wake"] = {{"after", duration_text(*p.wake_after)}, {"latency", duration_text(*p.wake_latency)}};
     }},
};

}  // namespace

std::vector<std::string_view> link_parameter_keys(std::initializer_list<std::string_view> extra) {
  std::vector<std::string_view> keys(extra);
  for (const Row& row : kTable) keys.push_back(row.key);
  return keys;
}

void read_link_parameters(const ConfigNode& node, LinkParameters& parameters) {
  for (const Row& row : kTable)
    if (auto value = node.find(row.key)) row.read(*value, parameters);
}

void apply_link_parameters(const LinkParameters& p, LinkSpec& link) {
  if (p.model) link.model = *p.model;
  if (p.bandwidth_Bps) link.bandwidth_Bps = *p.bandwidth_Bps;
  link.latency = p.latency.value_or(0);
  link.per_io_overhead = p.per_io_overhead.value_or(0);
  link.channels = p.channels.value_or(1);
  link.sharing = p.sharing.value_or(Sharing::kFifo);
  link.small_below = p.small_below.value_or(0);
  link.small_bandwidth_Bps = p.small_bandwidth_Bps.value_or(1);
  link.small_latency = p.small_latency.value_or(0);
  link.small_per_io_overhead = p.small_per_io_overhead.value_or(0);
  link.wake_after = p.wake_after.value_or(0);
  link.wake_latency = p.wake_latency.value_or(0);
}

nlohmann::ordered_json link_parameters_json(const LinkParameters& parameters, const std::vector<std::string>* keep) {
  nlohmann::ordered_json entry = nlohmann::ordered_json::object();
  for (const Row& row : kTable) {
    if (keep && std::find(keep->begin(), keep->end(), row.key) == keep->end()) continue;
    row.write(parameters, entry);
  }
  return entry;
}

}  // namespace tiersim::models
