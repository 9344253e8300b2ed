#pragma once
// One calibration point: copies of one size moved through an executor and timed, and the
// progress line that reports it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "real_backend/executor.h"

namespace tiersim::real {

// One measured point: `repeats` copies of `bytes`, `concurrency` of them in flight at once,
// each submitted `idle_s` after the one before arrived (0: at once), in one round or
// pooled from several (see combine_rounds).
struct Measurement {
  std::string link;       // profile name: host_copy, nvme_read, h2d_pinned...
  std::string executor;   // what moved the bytes
  unsigned queue_depth = 0;  // io_uring requests in flight (files), 0 otherwise
  unsigned concurrency = 1;  // copies in flight at once (threads, streams)
  uint64_t bytes = 0;
  unsigned repeats = 0;
  double idle_s = 0;
  double median_s = 0, mean_s = 0, min_s = 0, max_s = 0;  // submission to arrival
  double device_median_s = -1;  // the copy alone, by CUDA events or in the io_uring thread (negative: not timed so)
  double aggregate_GBps = 0;  // all bytes / wall time of the point
  unsigned round = 0, rounds = 1;  // which round this is (0: pooled), of how many
  double round_spread = 0;  // pooled: (largest - smallest round median) / median
  std::vector<double> times_s, device_times_s;  // every copy's, in arrival order
  double wall_s = 0;
};

struct PointShape {
  unsigned concurrency = 1;
  unsigned repeats = 1;
  uint64_t bytes = 0;
  // With one copy in flight: how long the link is left idle between a copy's arrival and
  // the next submission.
  std::chrono::microseconds idle{0};
};

// Moves the copies made by `make(i)` (`bytes` and `id` are set here) and times each from
// submission to arrival. One untimed copy, `make(repeats)`, goes first. Throws BackendUnavailable when a
// copy fails or none finishes within 60 s.
Measurement measure(Executor& executor, CompletionQueue& completions, const PointShape& shape, const std::function<Copy(unsigned)>& make);

// One point from its rounds (the same shape measured at different times; at least one):
// every copy's time pooled, and how far the rounds' medians lay apart.
Measurement combine_rounds(const std::vector<Measurement>& rounds);

// How well a series repeated itself: `by_size[k][r]` is size k's round r. Each round's
// bandwidth over its sizes of `from_bytes` and more (all its copies' bytes over all their
// times), and of those (largest - smallest) / median. 0 with fewer than two rounds or no
// such size.
double rounds_apart(const std::vector<std::vector<Measurement>>& by_size, uint64_t from_bytes);

// The progress line on stderr, one per point (or per round of it).
void show_progress(const Measurement& m, bool quiet);

}  // namespace tiersim::real
