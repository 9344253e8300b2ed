#pragma once
// Quantities with units, as written in configs and flags: "64 GiB", "25 GB/s", "3 us".
// Parsing is exact decimal arithmetic (no binary floating point), rounded to the nearest
// byte, byte/s or picosecond. Errors throw UnitError with what was expected.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/engine/time.h"

namespace sim::units {

class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes: B, KB/MB/GB/TB/PB (powers of 1000), KiB/MiB/GiB/TiB/PiB (powers of 1024).
// A bare number is a count of bytes.
uint64_t parse_bytes(std::string_view text);
// Bandwidth in bytes per second: a byte unit or a bit unit (b, Kb, Mb, Gb, Tb) over "/s",
// or "Gbps"-style bit rates.
uint64_t parse_bandwidth_Bps(std::string_view text);
// Duration: ps, ns, us (or µs), ms, s.
Time parse_duration(std::string_view text);

// A human-readable size for messages and summaries.
std::string format_bytes(uint64_t bytes);

}  // namespace sim::units
