#pragma once
// Checked, path-aware access to a JSON config. Every accessor validates type and range and
// throws InputError naming the source file, the JSON path (workload.links[2].bandwidth)
// and what was expected. Sections call allow_only() first, so unknown keys are errors.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine/time.h"

namespace tiersim {

class ConfigNode {
 public:
  // `base_dir`: the folder relative file paths in the config are read from (the config
  // file's own folder; empty: the current directory).
  ConfigNode(const nlohmann::json& value, std::string path, std::string source, std::string base_dir = "");

  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  const std::string& base_dir() const { return base_dir_; }
  const nlohmann::json& raw() const { return *value_; }

  bool is_object() const;
  bool is_array() const;
  bool is_string() const;
  bool is_number() const;

  // Objects.
  void allow_only(std::initializer_list<std::string_view> keys) const;
  void allow_only(const std::vector<std::string_view>& keys) const;
  // A key that was renamed: its old spelling is an error naming the new one.
  void reject_renamed(std::string_view old_key, const std::string& new_name) const;
  bool has(std::string_view key) const;
  ConfigNode at(std::string_view key) const;                   // required
  std::optional<ConfigNode> find(std::string_view key) const;  // optional

  // Arrays.
  size_t size() const;
  ConfigNode at(size_t index) const;

  // Scalars.
  std::string as_string() const;
  std::string as_identifier() const;  // [a-z0-9_]+, usable in CSV column names
  std::string as_enum(std::initializer_list<std::string_view> choices) const;
  std::string as_enum(const std::vector<std::string_view>& choices) const;
  uint64_t as_uint(uint64_t min = 0, uint64_t max = UINT64_MAX) const;
  double as_double(double min, double max) const;
  bool as_bool() const;
  uint64_t as_bytes() const;          // "64 GiB" or a number of bytes
  uint64_t as_bandwidth_Bps() const;  // "25 GB/s", must be > 0
  sim::Time as_duration() const;      // "3 us"
  // A file's path, relative ones taken from base_dir(); `what` names the file in the error
  // when it cannot be read ("trace file"), which says where it looked.
  std::string as_path(const std::string& what) const;
  // The same path resolved but not checked (for a reader that reports its own errors);
  // `looked` receives " (looked for ...)" for a relative path.
  std::string resolved_path(std::string* looked = nullptr) const;

  // Shorthands for optional keys with defaults.
  std::string string_or(std::string_view key, std::string fallback) const;
  uint64_t uint_or(std::string_view key, uint64_t fallback, uint64_t min = 0, uint64_t max = UINT64_MAX) const;
  double double_or(std::string_view key, double fallback, double min, double max) const;
  bool bool_or(std::string_view key, bool fallback) const;
  sim::Time duration_or(std::string_view key, sim::Time fallback) const;

  // Throws InputError("<source>: <path>: <message>").
  [[noreturn]] void fail(const std::string& message) const;
  // A short rendering of the value for messages: 12, "12 GB/z", an object, ...
  std::string describe() const;

 private:
  const nlohmann::json* value_;
  std::string path_;
  std::string source_;
  std::string base_dir_;
};

// The folder a config file's relative paths are read from: the file's own.
std::string config_dir(const std::string& config_path);

}  // namespace tiersim
