#include "sim/output/metrics.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tiersim {

void Metrics::add_value(std::string name, Value value) {
  if (find(name)) throw std::logic_error("duplicate metric " + name);
  items_.emplace_back(std::move(name), std::move(value));
}

void Metrics::append(const Metrics& other) {
  for (const auto& [name, value] : other.items_) add_value(name, value);
}

const Metrics::Value* Metrics::find(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return &item.second;
  return nullptr;
}

double Metrics::number(const std::string& name) const {
  const Value* v = find(name);
  if (!v) return 0;
  if (auto* u = std::get_if<uint64_t>(v)) return static_cast<double>(*u);
  if (auto* i = std::get_if<int64_t>(v)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(v)) return *d;
  return 0;
}

std::string Metrics::format(const Value& value) {
  struct Visitor {
    std::string operator()(uint64_t v) const { return std::to_string(v); }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      if (!std::isfinite(v)) return "";
      char buffer[64];
      auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
      return std::string(buffer, result.ptr);
    }
    std::string operator()(const std::string& v) const { return v; }
  };
  return std::visit(Visitor{}, value);
}

namespace {
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string Metrics::csv_header() const {
  std::string out;
  for (const auto& item : items_) {
    if (!out.empty()) out += ',';
    out += csv_field(item.first);
  }
  return out;
}

std::string Metrics::csv_row() const {
  std::string out;
  bool first = true;
  for (const auto& item : items_) {
    if (!first) out += ',';
    first = false;
    out += csv_field(format(item.second));
  }
  return out;
}

void Metrics::to_json(nlohmann::ordered_json& out) const {
  for (const auto& item : items_) {
    const std::string& name = item.first;  // a plain reference: clang 14 cannot capture structured bindings
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, double>) {
            if (std::isfinite(v)) out[name] = v; else out[name] = nullptr;
          } else {
            out[name] = v;
          }
        },
        item.second);
  }
}

}  // namespace tiersim
