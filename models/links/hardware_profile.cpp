#include "models/links/hardware_profile.h"

#include <nlohmann/json.hpp>

#include "sim/config/config_node.h"
#include "sim/config/load_config.h"

namespace tiersim::models {

std::vector<std::string_view> link_model_keys(std::initializer_list<std::string_view> extra) {
  std::vector<std::string_view> keys(extra);
  for (std::string_view k : {"bandwidth", "latency", "per_io_overhead", "channels", "sharing", "small_transfers", "wake"}) keys.push_back(k);
  return keys;
}

void read_link_parameters(const ConfigNode& node, LinkModel& model) {
  if (auto n = node.find("bandwidth")) model.bandwidth_Bps = n->as_bandwidth_Bps();
  if (auto n = node.find("latency")) model.latency = n->as_duration();
  if (auto n = node.find("per_io_overhead")) model.per_io_overhead = n->as_duration();
  if (auto n = node.find("channels")) model.channels = static_cast<uint32_t>(n->as_uint(1, 1 << 20));
  if (auto n = node.find("sharing")) model.sharing = n->as_enum({"fifo", "shared"}) == "fifo" ? Sharing::kFifo : Sharing::kShared;
  if (auto small = node.find("small_transfers")) {
    small->allow_only({"below", "bandwidth", "latency", "per_io_overhead"});
    model.small_below = small->at("below").as_bytes();
    model.small_bandwidth_Bps = small->at("bandwidth").as_bandwidth_Bps();
    model.small_latency = small->has("latency") ? small->at("latency").as_duration() : 0;
    model.small_per_io_overhead = small->has("per_io_overhead") ? small->at("per_io_overhead").as_duration() : 0;
  }
  if (auto wake = node.find("wake")) {
    wake->allow_only({"after", "latency"});
    model.wake_after = wake->at("after").as_duration();
    model.wake_latency = wake->at("latency").as_duration();
  }
}

void apply_link_model(const LinkModel& model, LinkSpec& link) {
  if (model.bandwidth_Bps) link.bandwidth_Bps = *model.bandwidth_Bps;
  link.latency = model.latency.value_or(0);
  link.per_io_overhead = model.per_io_overhead.value_or(0);
  link.channels = model.channels.value_or(1);
  link.sharing = model.sharing.value_or(Sharing::kFifo);
  link.small_below = model.small_below.value_or(0);
  link.small_bandwidth_Bps = model.small_bandwidth_Bps.value_or(1);
  link.small_latency = model.small_latency.value_or(0);
  link.small_per_io_overhead = model.small_per_io_overhead.value_or(0);
  link.wake_after = model.wake_after.value_or(0);
  link.wake_latency = model.wake_latency.value_or(0);
}

HardwareProfile HardwareProfile::load(const std::string& path) {
  const nlohmann::json document = load_json_file(path);
  const ConfigNode root(document, "", path);
  root.allow_only({"name", "description", "source", "links", "calibration"});
  for (const char* key : {"name", "description", "source"})
    if (auto n = root.find(key)) n->as_string();
  HardwareProfile profile;
  profile.path_ = path;
  const ConfigNode links = root.at("links");
  if (!links.is_object()) links.fail("expected an object of named link models, got " + links.describe());
  for (const auto& item : links.raw().items()) {
    const ConfigNode entry = links.at(item.key());
    entry.allow_only(link_model_keys());
    LinkModel model;
    read_link_parameters(entry, model);
    if (!model.bandwidth_Bps) entry.fail("missing required key \"bandwidth\"");
    profile.links_[item.key()] = model;
  }
  return profile;
}

const LinkModel* HardwareProfile::find(const std::string& name) const {
  const auto it = links_.find(name);
  return it == links_.end() ? nullptr : &it->second;
}

std::string HardwareProfile::names() const {
  std::string out;
  for (const auto& [name, model] : links_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace tiersim::models
