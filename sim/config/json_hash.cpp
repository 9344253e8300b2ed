#include "sim/config/json_hash.h"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace tiersim {

std::string json_hash(const nlohmann::json& value) { return text_hash(value.dump()); }

std::string text_hash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace tiersim
