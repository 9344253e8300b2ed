#include "sim/config/excerpt.h"

#include <nlohmann/json.hpp>

namespace tiersim {

std::string excerpt(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit > 3 ? limit - 3 : 0)) + "... (" + std::to_string(text.size()) + " characters)";
}

// Invalid UTF-8 is shown replaced: a message must never fail to print.
std::string json_excerpt(const nlohmann::json& value, size_t limit) {
  return excerpt(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), limit);
}

std::string json_excerpt(const nlohmann::ordered_json& value, size_t limit) {
  return excerpt(value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), limit);
}

}  // namespace tiersim
