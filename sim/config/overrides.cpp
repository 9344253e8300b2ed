#include "sim/config/overrides.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "sim/config/excerpt.h"
#include "sim/config/json_shape.h"
#include "sim/errors.h"

namespace tiersim {

using nlohmann::json;

namespace {

std::vector<std::string> split_path(std::string_view path, std::string_view assignment) {
  std::vector<std::string> parts;
  std::string current;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      if (current.empty()) throw InputError("--set " + excerpt(assignment) + ": empty path segment");
      parts.push_back(current);
      current.clear();
    } else if (c == '[') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) throw InputError("--set " + excerpt(assignment) + ": unclosed '['");
      parts.emplace_back(path.substr(i + 1, close - i - 1));
      i = close;
      if (i + 1 < path.size() && path[i + 1] == '.') ++i;
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  if (parts.empty()) throw InputError("--set " + excerpt(assignment) + ": empty path");
  return parts;
}

// Whether `text` is well-formed UTF-8: a path or a bare string value becomes a JSON string,
// which cannot hold anything else (writing it into summary.json would fail).
bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    i += length;
  }
  return true;
}

bool is_index(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

json parse_override_value(std::string_view text) {
  require_json_shape(text, "--set value");
  json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return json(std::string(text));
  return value;
}

void apply_override(json& config, std::string_view assignment) {
  if (!valid_utf8(assignment)) throw InputError("--set " + excerpt(assignment) + ": expected UTF-8 text");
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    throw InputError("--set " + excerpt(assignment) + ": expected json.path=value, like workload.mode=inference");
  }
  const std::vector<std::string> parts = split_path(assignment.substr(0, eq), assignment);
  json* node = &config;
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    const std::string here = walked.empty() ? part : walked + "." + part;
    if (node->is_array()) {
      size_t index = node->size();
      if (is_index(part)) {
        index = std::stoul(part);
      } else {
        for (size_t k = 0; k < node->size(); ++k) {
          if (!(*node)[k].is_object()) continue;
          const auto name = (*node)[k].find("name");  // a name that is no string names nothing
          if (name != (*node)[k].end() && name->is_string() && name->get<std::string>() == part) index = k;
        }
      }
      if (index >= node->size()) {
        throw InputError("--set " + excerpt(assignment) + ": " + (walked.empty() ? "(top level)" : walked) + " has " +
                         std::to_string(node->size()) + " elements and none is \"" + part + "\"");
      }
      node = &(*node)[index];
    } else if (node->is_object() || node->is_null()) {
      if (node->is_null()) *node = json::object();
      if (!last && !node->contains(part)) (*node)[part] = json::object();
      node = &(*node)[part];
    } else {
      throw InputError("--set " + excerpt(assignment) + ": " + walked + " is not an object or array, cannot set " + here);
    }
    walked = here;
  }
  *node = parse_override_value(assignment.substr(eq + 1));
}

}  // namespace tiersim
