#include "real_backend/profile_steadiness.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "sim/config/load_config.h"

namespace tiersim::real {

std::string ProfileSteadiness::describe() const {
  std::string out;
  for (const auto& [link, spread] : round_spread) {
    char text[96];
    std::snprintf(text, sizeof text, "%.1f %%%s", 100 * spread, spread > kUnsteady ? " (unsteady)" : "");
    out += (out.empty() ? "" : ", ") + link + " " + text;
  }
  return out;
}

std::string ProfileSteadiness::unsteady_note() const {
  if (unsteady.empty()) return "";
  std::string names;
  for (size_t i = 0; i < unsteady.size(); ++i) names += (i == 0 ? "" : i + 1 == unsteady.size() ? " and " : ", ") + unsteady[i];
  const bool one = unsteady.size() == 1;
  char threshold[16];
  std::snprintf(threshold, sizeof threshold, "%.0f %%", 100 * kUnsteady);
  return "the profile's " + names + (one ? " was" : " were") + " calibrated while the machine's speed moved by more than " + threshold +
         " between rounds: predictions for " + (one ? "it" : "them") +
         " cannot be closer than that (calibrate again when the machine is quiet, or with more --rounds)";
}

ProfileSteadiness read_profile_steadiness(const nlohmann::json& config, const std::string& profile_path) {
  ProfileSteadiness steadiness;
  if (profile_path.empty()) return steadiness;
  steadiness.path = profile_path;
  const nlohmann::json profile = load_json_file(steadiness.path);
  const auto calibration = profile.find("calibration");
  if (calibration == profile.end() || !calibration->is_object()) return steadiness;

  auto text = [&](const char* key) {
    const auto it = calibration->find(key);
    return it != calibration->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!text("date").empty()) steadiness.when = "calibrated " + text("date") + (text("host").empty() ? "" : " on " + text("host"));

  // The profile names the run's links use ("profile": "nvme_read" on a config link).
  std::vector<std::string> used;
  if (const auto links = config.find("links"); links != config.end() && links->is_array()) {
    for (const auto& link : *links) {
      if (!link.is_object()) continue;
      if (const auto name = link.find("profile"); name != link.end() && name->is_string()) used.push_back(name->get<std::string>());
    }
  }
  const auto fit = calibration->find("fit");
  if (fit == calibration->end() || !fit->is_object()) return steadiness;
  for (const auto& [link, quality] : fit->items()) {
    if (!quality.is_object()) continue;
    const auto spread = quality.find("round_spread");
    if (spread == quality.end() || !spread->is_number()) continue;
    const double value = spread->get<double>();
    steadiness.round_spread.emplace_back(link, value);
    if (value > kUnsteady && std::find(used.begin(), used.end(), link) != used.end()) steadiness.unsteady.push_back(link);
  }
  return steadiness;
}

}  // namespace tiersim::real
