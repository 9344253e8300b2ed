#pragma once
// Simulated time: an integer count of picoseconds. There is no floating time.
#include <cstdint>

namespace sim {

using Time = int64_t;

inline constexpr Time kPicosecond = 1;
inline constexpr Time kNanosecond = 1'000;
inline constexpr Time kMicrosecond = 1'000'000;
inline constexpr Time kMillisecond = 1'000'000'000;
inline constexpr Time kSecond = 1'000'000'000'000;

inline double to_seconds(Time t) { return static_cast<double>(t) / static_cast<double>(kSecond); }
inline double to_microseconds(Time t) { return static_cast<double>(t) / static_cast<double>(kMicrosecond); }

// Time to move `bytes` at `bandwidth_Bps` bytes per second, rounded up to a whole picosecond.
inline Time transfer_time(uint64_t bytes, uint64_t bandwidth_Bps) {
  const unsigned __int128 scaled = static_cast<unsigned __int128>(bytes) * static_cast<uint64_t>(kSecond);
  return static_cast<Time>((scaled + bandwidth_Bps - 1) / bandwidth_Bps);
}

}  // namespace sim
