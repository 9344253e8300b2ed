#pragma once
// How much memory the machine can still give: work that grows with its input checks
// against this before it is spent, instead of being killed by the kernel half-way.
#include <cstdint>

namespace sim {

// MemAvailable from /proc/meminfo, in bytes; UINT64_MAX when unknown.
uint64_t available_memory();

}  // namespace sim
