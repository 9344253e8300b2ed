#pragma once
// One result row: named quantities in a fixed order, units in the names
// (step_time_p99_us, hbm_hit_ratio, nvme_read_GBps). Written as one CSV row and as JSON.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

namespace tiersim {

class Metrics {
 public:
  using Value = std::variant<uint64_t, int64_t, double, std::string>;

  void add(std::string name, uint64_t value) { add_value(std::move(name), Value(value)); }
  void add(std::string name, int64_t value) { add_value(std::move(name), Value(value)); }
  void add(std::string name, unsigned value) { add_value(std::move(name), Value(static_cast<uint64_t>(value))); }
  void add(std::string name, int value) { add_value(std::move(name), Value(static_cast<int64_t>(value))); }
  void add(std::string name, double value) { add_value(std::move(name), Value(value)); }
  void add(std::string name, std::string value) { add_value(std::move(name), Value(std::move(value))); }
  void add(std::string name, const char* value) { add_value(std::move(name), Value(std::string(value))); }
  void add_value(std::string name, Value value);
  void append(const Metrics& other);

  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }
  const Value* find(const std::string& name) const;
  // A numeric value as a double (0 when absent or not a number).
  double number(const std::string& name) const;

  std::string csv_header() const;
  std::string csv_row() const;
  void to_json(nlohmann::ordered_json& out) const;

  // Deterministic text form of one value: shortest round-trip for doubles.
  static std::string format(const Value& value);

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

}  // namespace tiersim
