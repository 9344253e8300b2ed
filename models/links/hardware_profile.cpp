#include "models/links/hardware_profile.h"

#include <nlohmann/json.hpp>

#include "sim/config/config_node.h"
#include "sim/config/load_config.h"

namespace tiersim::models {

HardwareProfile HardwareProfile::load(const std::string& path) {
  const nlohmann::json document = load_json_file(path);
  const ConfigNode root(document, "", path);
  root.allow_only({"name", "description", "source", "links", "calibration", "cpu"});
  for (const char* key : {"name", "description", "source"})
    if (auto n = root.find(key)) n->as_string();
  HardwareProfile profile;
  profile.path_ = path;
  const ConfigNode links = root.at("links");
  if (!links.is_object()) links.fail("expected an object of named link models, got " + links.describe());
  for (const auto& item : links.raw().items()) {
    const ConfigNode entry = links.at(item.key());
    entry.allow_only(link_parameter_keys());
    LinkParameters model;
    read_link_parameters(entry, model);
    if (!model.bandwidth_Bps) entry.fail("missing required key \"bandwidth\"");
    profile.links_[item.key()] = model;
  }
  if (auto cpu = root.find("cpu")) {
    cpu->allow_only({"flops", "memory_bandwidth"});
    profile.cpu_ = HostCpu{cpu->at("flops").as_double(1e6, 1e18), static_cast<double>(cpu->at("memory_bandwidth").as_bandwidth_Bps())};
  }
  return profile;
}

const LinkParameters* HardwareProfile::find(const std::string& name) const {
  const auto it = links_.find(name);
  return it == links_.end() ? nullptr : &it->second;
}

std::string HardwareProfile::names() const {
  std::string out;
  for (const auto& [name, model] : links_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace tiersim::models
