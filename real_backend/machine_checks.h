#pragma once
// What a real run or a calibration needs of the machine, checked before anything starts;
// each failure is a BackendUnavailable whose message says what to change.
#include <cstdint>
#include <string>

namespace tiersim::real {

// Throws unless `bytes` more can be allocated, leaving a margin; `what` names the use.
void require_memory(uint64_t bytes, const std::string& what);

// Throws unless `dir` exists (or can be created), is on a block device that takes O_DIRECT
// (not tmpfs or ramfs, where O_DIRECT would measure memory, not a disk) and has `bytes`
// free.
void require_direct_io_dir(const std::string& dir, uint64_t bytes);

// Opens `path` for O_DIRECT reads and writes (created if absent); throws with advice.
int open_direct(const std::string& path);

}  // namespace tiersim::real
