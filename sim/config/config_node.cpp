#include "sim/config/config_node.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sim/errors.h"
#include "sim/config/excerpt.h"
#include "sim/config/units.h"

namespace tiersim {

using nlohmann::json;

ConfigNode::ConfigNode(const json& value, std::string path, std::string source, std::string base_dir)
    : value_(&value), path_(std::move(path)), source_(std::move(source)), base_dir_(std::move(base_dir)) {}

std::string config_dir(const std::string& config_path) {
  return std::filesystem::path(config_path).parent_path().string();
}

std::string ConfigNode::resolved_path(std::string* looked) const {
  const std::string written = as_string();
  const std::filesystem::path p(written);
  const bool relative = !p.is_absolute() && !base_dir_.empty();
  const std::string resolved = relative ? (std::filesystem::path(base_dir_) / p).string() : written;
  if (looked) {
    *looked = p.is_absolute() ? "" :
              relative ? " (looked for " + resolved + ": relative paths are from the config's folder)" :
                         " (relative to the current directory)";
  }
  return resolved;
}

std::string ConfigNode::as_path(const std::string& what) const {
  if (as_string().empty()) fail("expected the path of a " + what + ", got \"\"");
  std::string looked;
  const std::string resolved = resolved_path(&looked);
  if (::access(resolved.c_str(), R_OK) != 0) fail("cannot read " + what + " \"" + as_string() + "\"" + looked);
  return resolved;
}

bool ConfigNode::is_object() const { return value_->is_object(); }
bool ConfigNode::is_array() const { return value_->is_array(); }
bool ConfigNode::is_string() const { return value_->is_string(); }
bool ConfigNode::is_number() const { return value_->is_number(); }

void ConfigNode::fail(const std::string& message) const {
  std::string where = source_.empty() ? "" : source_ + ": ";
  where += path_.empty() ? "(top level)" : excerpt(path_, 200);
  throw InputError(where + ": " + message);
}

std::string ConfigNode::describe() const {
  if (value_->is_object()) return "an object";
  if (value_->is_array()) return "an array";
  if (value_->is_null()) return "null";
  return json_excerpt(*value_);
}

namespace {
std::string join_keys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}
}  // namespace

void ConfigNode::allow_only(std::initializer_list<std::string_view> keys) const {
  allow_only(std::vector<std::string_view>(keys));
}

void ConfigNode::allow_only(const std::vector<std::string_view>& keys) const {
  if (!value_->is_object()) fail("expected an object with keys " + join_keys(keys) + ", got " + describe());
  for (const auto& item : value_->items()) {
    bool known = false;
    for (std::string_view k : keys) known = known || item.key() == k;
    if (!known) {
      ConfigNode(item.value(), path_.empty() ? item.key() : path_ + "." + item.key(), source_, base_dir_)
          .fail("unknown key \"" + excerpt(item.key()) + "\"; expected one of: " + join_keys(keys));
    }
  }
}

void ConfigNode::reject_renamed(std::string_view old_key, const std::string& new_name) const {
  if (has(old_key)) at(old_key).fail("renamed: this key is now " + new_name + " (docs/renamed.md lists every renamed key and flag)");
}

bool ConfigNode::has(std::string_view key) const {
  return value_->is_object() && value_->contains(key);
}

ConfigNode ConfigNode::at(std::string_view key) const {
  if (!value_->is_object()) fail("expected an object, got " + describe());
  auto it = value_->find(key);
  if (it == value_->end()) fail("missing required key \"" + std::string(key) + "\"");
  return ConfigNode(*it, path_.empty() ? std::string(key) : path_ + "." + std::string(key), source_, base_dir_);
}

std::optional<ConfigNode> ConfigNode::find(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return at(key);
}

size_t ConfigNode::size() const {
  if (!value_->is_array()) fail("expected an array, got " + describe());
  return value_->size();
}

ConfigNode ConfigNode::at(size_t index) const {
  if (index >= size()) fail("index " + std::to_string(index) + " is out of range");
  return ConfigNode((*value_)[index], path_ + "[" + std::to_string(index) + "]", source_, base_dir_);
}

std::string ConfigNode::as_string() const {
  if (!value_->is_string()) fail("expected a string, got " + describe());
  return value_->get<std::string>();
}

std::string ConfigNode::as_identifier() const {
  const std::string s = as_string();
  bool ok = !s.empty() && s.size() <= 64;
  for (char c : s) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) fail("expected a name of lower-case letters, digits and '_' (it becomes part of CSV column names), got " + describe());
  return s;
}

std::string ConfigNode::as_enum(std::initializer_list<std::string_view> choices) const {
  return as_enum(std::vector<std::string_view>(choices));
}

std::string ConfigNode::as_enum(const std::vector<std::string_view>& choices) const {
  const std::string s = value_->is_string() ? value_->get<std::string>() : std::string();
  for (std::string_view c : choices)
    if (value_->is_string() && s == c) return s;
  fail("expected one of " + join_keys(choices) + ", got " + describe());
}

uint64_t ConfigNode::as_uint(uint64_t min, uint64_t max) const {
  uint64_t v = 0;
  if (value_->is_number_unsigned()) {
    v = value_->get<uint64_t>();
  } else if (value_->is_number_integer()) {
    const int64_t signed_value = value_->get<int64_t>();
    if (signed_value < 0) fail("expected a non-negative integer, got " + describe());
    v = static_cast<uint64_t>(signed_value);
  } else if (value_->is_number_float()) {
    const double d = value_->get<double>();
    if (!(d >= 0) || d != std::floor(d) || d > 1.8e19) fail("expected a non-negative integer, got " + describe());
    v = static_cast<uint64_t>(d);
  } else {
    fail("expected an integer, got " + describe());
  }
  if (v < min || v > max) {
    fail("expected an integer in [" + std::to_string(min) + ", " + (max == UINT64_MAX ? std::string("inf") : std::to_string(max)) +
         "], got " + describe());
  }
  return v;
}

double ConfigNode::as_double(double min, double max) const {
  if (!value_->is_number()) fail("expected a number, got " + describe());
  const double v = value_->get<double>();
  if (!(v >= min && v <= max)) {
    fail("expected a number in [" + json(min).dump() + ", " + json(max).dump() + "], got " + describe());
  }
  return v;
}

bool ConfigNode::as_bool() const {
  if (!value_->is_boolean()) fail("expected true or false, got " + describe());
  return value_->get<bool>();
}

uint64_t ConfigNode::as_bytes() const {
  if (value_->is_number()) return as_uint();
  if (!value_->is_string()) fail("expected a size like \"64 GiB\" or a number of bytes, got " + describe());
  try {
    return sim::units::parse_bytes(value_->get<std::string>());
  } catch (const sim::units::UnitError& e) {
    fail(e.what());
  }
}

uint64_t ConfigNode::as_bandwidth_Bps() const {
  if (!value_->is_string()) fail("expected a bandwidth string with a unit like \"25 GB/s\", got " + describe());
  uint64_t bw = 0;
  try {
    bw = sim::units::parse_bandwidth_Bps(value_->get<std::string>());
  } catch (const sim::units::UnitError& e) {
    fail(e.what());
  }
  if (bw == 0) fail("a bandwidth must be greater than zero, got " + describe());
  return bw;
}

sim::Time ConfigNode::as_duration() const {
  if (!value_->is_string()) fail("expected a duration string with a unit like \"3 us\", got " + describe());
  try {
    return sim::units::parse_duration(value_->get<std::string>());
  } catch (const sim::units::UnitError& e) {
    fail(e.what());
  }
}

std::string ConfigNode::string_or(std::string_view key, std::string fallback) const {
  auto n = find(key);
  return n ? n->as_string() : fallback;
}
uint64_t ConfigNode::uint_or(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max) const {
  auto n = find(key);
  return n ? n->as_uint(min, max) : fallback;
}
double ConfigNode::double_or(std::string_view key, double fallback, double min, double max) const {
  auto n = find(key);
  return n ? n->as_double(min, max) : fallback;
}
bool ConfigNode::bool_or(std::string_view key, bool fallback) const {
  auto n = find(key);
  return n ? n->as_bool() : fallback;
}
sim::Time ConfigNode::duration_or(std::string_view key, sim::Time fallback) const {
  auto n = find(key);
  return n ? n->as_duration() : fallback;
}

}  // namespace tiersim
