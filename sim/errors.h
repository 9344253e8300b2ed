#pragma once
// The errors a run reports to its user. InputError is bad user input (configs, flags,
// traces): its message says what is wrong, where (JSON path or file:line) and what was
// expected. RunFailure is a run that stopped as configured (an expert unavailable with
// on_unavailable "fail", a real run's data check). IoError is a file the run could not
// read or write for a reason outside the input (disk full, read-only, permission denied):
// its message names the real path and the system's reason. The CLI prints each and exits
// with its own code (docs/exit-codes.md); anything else that escapes is a bug in tiersim.
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

class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "PATH: WHAT: <strerror(errno)>", for an IoError after a failed system call.
std::string io_message(const std::string& path, const std::string& what, int error_number);

}  // namespace tiersim
