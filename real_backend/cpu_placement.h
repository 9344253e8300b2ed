#pragma once
// Keeping a real run's or a calibration's threads on chosen CPUs (`--cpus 1`, `0-3,8`).
// Every thread the process starts afterwards inherits the set. On a machine whose disk
// interrupts all land on one CPU, or whose idle CPUs wake slowly (virtual machines), the
// hand-offs between the loop, the copy threads and the interrupt cost less on one CPU or
// a few near each other; calibrate and run should then be given the same set.
#include <string>

namespace tiersim::real {

// Parses `list` (comma-separated CPUs and ranges) and restricts this process to it.
// Throws InputError naming `flag` for a malformed list or a CPU this process may not use.
// Returns the set as the kernel took it, for outputs ("1", "0-3,8").
std::string pin_to_cpus(const std::string& flag, const std::string& list);

}  // namespace tiersim::real
