#include "sim/config/json_hash.h"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace tiersim {

std::string json_hash(const nlohmann::json& value) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : value.dump()) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

}  // namespace tiersim
