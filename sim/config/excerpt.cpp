#include "sim/config/excerpt.h"

#include <nlohmann/json.hpp>

namespace tiersim {

std::string excerpt(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit > 3 ? limit - 3 : 0)) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string json_excerpt(const nlohmann::json& value, size_t limit) { return excerpt(value.dump(), limit); }

std::string json_excerpt(const nlohmann::ordered_json& value, size_t limit) { return excerpt(value.dump(), limit); }

}  // namespace tiersim
