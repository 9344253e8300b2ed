#pragma once
// A short, stable fingerprint of a JSON document (configs, sweeps): 16 hex digits of
// FNV-1a over its canonical text (object keys sorted).
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace tiersim {

std::string json_hash(const nlohmann::json& value);

// The same fingerprint of any text.
std::string text_hash(std::string_view text);

}  // namespace tiersim
