#pragma once
// Where the file paths in a run's config are read from. A path written in a config file
// is relative to that file's folder, so a config runs from any working directory; a path
// given somewhere else is relative to where it was given: a `--set` value to the current
// directory, a sweep's values to the sweep file's folder. The values given elsewhere are
// anchored (made absolute) before they join the config.
// The keys that hold paths: "hardware" and the workload's "trace" (or its "path").
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace tiersim {

bool is_path_key(const std::string& json_path);

// `value` for `json_path`, with a relative path in it made absolute against `base_dir`
// (the current directory when empty); other keys' values are returned as they are.
nlohmann::json anchored(const std::string& json_path, const nlohmann::json& value, const std::string& base_dir);

// "json.path=value" overrides from the command line, their paths anchored to the current
// directory.
std::vector<std::string> anchor_overrides(const std::vector<std::string>& overrides);

}  // namespace tiersim
