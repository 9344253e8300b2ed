#include "sim/config/load_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/errors.h"
#include "sim/config/excerpt.h"
#include "sim/config/json_shape.h"
#include "sim/config/overrides.h"

namespace tiersim {

using nlohmann::json;

json parse_json_text(const std::string& text, const std::string& source) {
  require_json_shape(text, source);
  try {
    // Configs may carry // and /* */ comments: a study's file says why a value is what it is.
    return json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // Locate the byte nlohmann reports as line:column.
    const size_t byte = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::string what = e.what();
    const size_t colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(source + ":" + line_column(text, byte) + ": invalid JSON: " + excerpt(what, 200));
  } catch (const json::exception& e) {  // a number too large for any type: no position given
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw InputError(source + ": invalid JSON: " + excerpt(what, 120));
  }
}

json load_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(excerpt(path, 200) + ": cannot open config file (does it exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw InputError(excerpt(path, 200) + ": cannot read config file");
  return parse_json_text(text.str(), path);
}

json load_config(const std::string& path, const std::vector<std::string>& overrides) {
  json config = load_json_file(path);
  for (const std::string& assignment : overrides) apply_override(config, assignment);
  return config;
}

}  // namespace tiersim
