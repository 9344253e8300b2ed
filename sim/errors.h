#pragma once
// The errors a run reports to its user. InputError is bad user input (configs, flags,
// traces): its message says what is wrong, where (JSON path or file:line) and what was
// expected. RunFailure is a run that stopped as configured (an expert unavailable with
// on_unavailable "fail", a real run's data check). The CLI prints either and exits
// non-zero; anything else that escapes is a bug in tiersim.
#include <stdexcept>
#include <string>

namespace tiersim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tiersim
