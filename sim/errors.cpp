#include "sim/errors.h"

#include <cstring>

namespace tiersim {

std::string io_message(const std::string& path, const std::string& what, int error_number) {
  return path + ": " + what + ": " + std::strerror(error_number);
}

}  // namespace tiersim
