#pragma once
// Feedback-directed throttling of an online prefetcher (after Srinath et al., "Feedback
// Directed Prefetching", HPCA 2007): every `window` steps the prefetches' outcome decides
// how many of the prefetcher's picks the next window may issue. A prefetch that arrives
// before its demand saves that demand's wait; one still in flight when asked for (late)
// saves part of it; one evicted unused (wasted), or whose victim demand then misses
// (polluting), costs a transfer over the same links demand uses. Every transfer costs the
// link the same whoever asks for it, so a prefetch pays only for the part of a demand
// wait it hides: the level rises while timely prefetches outnumber twice the costly ones
// (wasted, polluting, half the late ones), holds while they outnumber them once, and
// falls otherwise. At level 0 nothing is issued, but one window in `probe_every` issues
// at the lowest level again, so a prefetcher whose guesses improve is let back in.
// Levels issue 0, 1/8, 1/4, 1/2 or all of the picks.
#include <algorithm>
#include <cstdint>

namespace tiersim::models {

class PrefetchThrottle {
 public:
  static constexpr uint32_t kLevels = 5;

  explicit PrefetchThrottle(uint32_t window = 8, uint32_t probe_every = 64) : window_(window), probe_every_(probe_every) {}

  // How many of `wanted` picks this step may issue.
  size_t allowed(size_t wanted) const {
    const uint32_t level = probing_ ? 1 : level_;
    if (level == 0) return 0;
    const size_t shift = kLevels - 1 - level;  // level 4: all, 3: half, ...
    return std::max<size_t>(1, wanted >> shift) * (wanted > 0);
  }

  // Called at the end of every step with the run's cumulative prefetch counts (`timely`:
  // found by demand after they landed; `late`: found in flight).
  void end_step(uint64_t timely, uint64_t late, uint64_t polluted, uint64_t wasted) {
    level_steps_ += level_;
    ++steps_;
    if (++in_window_ < window_) return;
    in_window_ = 0;
    const double gain = static_cast<double>(timely - last_timely_);
    const double cost = static_cast<double>(polluted - last_polluted_) + static_cast<double>(wasted - last_wasted_) +
                        0.5 * static_cast<double>(late - last_late_);
    last_timely_ = timely, last_late_ = late, last_polluted_ = polluted, last_wasted_ = wasted;
    if (probing_) {
      probing_ = false;
      if (gain > 2 * cost) level_ = 1;
      return;
    }
    if (level_ == 0) {
      probing_ = ++idle_windows_ % probe_every_ == 0;
      return;
    }
    if (gain == 0 && cost == 0) return;  // nothing to judge by
    if (gain > 2 * cost) {
      level_ = std::min(level_ + 1, kLevels - 1);
    } else if (gain <= cost) {
      --level_;
    }
  }

  uint32_t level() const { return level_; }
  // The mean level over the run's steps, 0 to 4.
  double mean_level() const { return steps_ ? static_cast<double>(level_steps_) / static_cast<double>(steps_) : 0.0; }

 private:
  uint32_t window_, probe_every_;
  uint32_t level_ = 1;  // start cautiously: an eighth of the picks
  bool probing_ = false;
  uint32_t in_window_ = 0, idle_windows_ = 0;
  uint64_t last_timely_ = 0, last_late_ = 0, last_polluted_ = 0, last_wasted_ = 0;
  uint64_t level_steps_ = 0, steps_ = 0;
};

}  // namespace tiersim::models
