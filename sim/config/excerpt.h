#pragma once
// Offending values in error messages, shortened to a readable excerpt: a 40 kB value is
// quoted as its first few dozen characters and its length.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace tiersim {

// `text` itself when at most `limit` characters, else its start, "..." and the full length.
std::string excerpt(std::string_view text, size_t limit = 60);
// The value as JSON, shortened the same way.
std::string json_excerpt(const nlohmann::json& value, size_t limit = 60);
std::string json_excerpt(const nlohmann::ordered_json& value, size_t limit = 60);

}  // namespace tiersim
