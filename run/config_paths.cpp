#include "run/config_paths.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "sim/config/overrides.h"

namespace tiersim {

namespace {

std::string absolute(const std::string& path, const std::string& base_dir) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || path.empty()) return path;
  const std::filesystem::path base = base_dir.empty() ? std::filesystem::current_path() : std::filesystem::absolute(base_dir);
  return (base / p).lexically_normal().string();
}

}  // namespace

bool is_path_key(const std::string& json_path) {
  return json_path == "hardware" || json_path == "workload.trace" || json_path == "workload.trace.path";
}

nlohmann::json anchored(const std::string& json_path, const nlohmann::json& value, const std::string& base_dir) {
  if (!is_path_key(json_path)) return value;
  nlohmann::json out = value;
  if (out.is_string()) {
    out = absolute(out.get<std::string>(), base_dir);
  } else if (out.is_object() && out.contains("path") && out["path"].is_string()) {
    out["path"] = absolute(out["path"].get<std::string>(), base_dir);
  }
  return out;
}

std::vector<std::string> anchor_overrides(const std::vector<std::string>& overrides) {
  std::vector<std::string> out;
  for (const std::string& assignment : overrides) {
    const size_t eq = assignment.find('=');
    const std::string key = eq == std::string::npos ? "" : assignment.substr(0, eq);
    if (!is_path_key(key)) {
      out.push_back(assignment);
      continue;
    }
    const nlohmann::json value = parse_override_value(std::string_view(assignment).substr(eq + 1));
    out.push_back(key + "=" + anchored(key, value, "").dump());
  }
  return out;
}

}  // namespace tiersim
