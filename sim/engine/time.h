#pragma once
// Simulated time: an integer count of picoseconds. There is no floating time.
#include <cstdint>
#include <stdexcept>

namespace sim {

using Time = int64_t;

inline constexpr Time kPicosecond = 1;
inline constexpr Time kNanosecond = 1'000;
inline constexpr Time kMicrosecond = 1'000'000;
inline constexpr Time kMillisecond = 1'000'000'000;
inline constexpr Time kSecond = 1'000'000'000'000;

inline double to_seconds(Time t) { return static_cast<double>(t) / static_cast<double>(kSecond); }
inline double to_microseconds(Time t) { return static_cast<double>(t) / static_cast<double>(kMicrosecond); }

inline constexpr Time kEndOfTime = INT64_MAX;  // about 106 days of simulated time

// Simulated time ran past kEndOfTime: the input asks for more than int64 picoseconds hold
// (a tiny bandwidth with huge objects, or a very long run).
class TimeOverflow : public std::overflow_error {
 public:
  TimeOverflow()
      : std::overflow_error(
            "simulated time passed the limit of int64 picoseconds (about 106 days): check for a tiny bandwidth or "
            "huge sizes, or simulate fewer steps") {}
};

// a + b for non-negative times, saturating at kEndOfTime (which scheduling refuses).
inline Time saturating_add(Time a, Time b) { return a > kEndOfTime - b ? kEndOfTime : a + b; }

// A wide intermediate result as a Time, saturating at kEndOfTime.
inline Time clamp_to_time(unsigned __int128 ticks) {
  return ticks >= static_cast<unsigned __int128>(kEndOfTime) ? kEndOfTime : static_cast<Time>(ticks);
}

// Time to move `bytes` at `bandwidth_Bps` bytes per second, rounded up to a whole
// picosecond, saturating at kEndOfTime.
inline Time transfer_time(uint64_t bytes, uint64_t bandwidth_Bps) {
  const unsigned __int128 scaled = static_cast<unsigned __int128>(bytes) * static_cast<uint64_t>(kSecond);
  return clamp_to_time((scaled + bandwidth_Bps - 1) / bandwidth_Bps);
}

}  // namespace sim
