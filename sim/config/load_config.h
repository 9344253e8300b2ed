#pragma once
// Reading a JSON config file (and applying --set overrides) into a json document.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace tiersim {

// Reads and parses `path`; a missing file or malformed JSON is an InputError with
// file:line:column.
nlohmann::json load_json_file(const std::string& path);

// Parses JSON text; `source` names it in errors.
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

// load_json_file + apply_override for each "path=value".
nlohmann::json load_config(const std::string& path, const std::vector<std::string>& overrides);

}  // namespace tiersim
