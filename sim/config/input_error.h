#pragma once
// The one exception type for bad user input (configs, flags, traces). Its message says
// what is wrong, where (JSON path or file:line) and what was expected; the CLI prints it
// and exits non-zero. Anything else that escapes is a bug in tiersim.
#include <stdexcept>
#include <string>

namespace tiersim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tiersim
