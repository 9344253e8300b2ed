#pragma once
// Fitting a link's measured transfer times to the simulator's model, time = latency +
// bytes / bandwidth, by least squares on relative residuals (so 4 KiB and 256 MiB
// transfers weigh alike). Where small transfers follow a different line (a fixed cost that
// dominates, a different path in the driver), the fit is piecewise: one line below a
// breakpoint size and one from it on.
#include <cstdint>
#include <optional>
#include <vector>

namespace tiersim::real {

struct Sample {
  double bytes;
  double seconds;
};

struct LineFit {
  double latency_s = 0;      // intercept
  double seconds_per_byte = 0;  // slope: 1 / bandwidth
  double r2 = 0;             // of the times, over the samples it covers
  double worst_relative = 0;  // max |predicted - measured| / measured
  double squared_relative = 0;  // sum of ((predicted - measured) / measured)^2
  size_t samples = 0;
  double bandwidth_Bps() const { return seconds_per_byte > 0 ? 1.0 / seconds_per_byte : 0.0; }
  double predict(double bytes) const { return latency_s + bytes * seconds_per_byte; }
};

struct LinkFit {
  LineFit large;                  // from `small_below` bytes on (all sizes if no small piece)
  std::optional<LineFit> small;   // below `small_below`
  double small_below = 0;
  double r2 = 0, worst_relative = 0;  // over every sample, piecewise if so
  double predict(double bytes) const { return small && bytes < small_below ? small->predict(bytes) : large.predict(bytes); }
};

// Wake-up: the same size timed back to back and after idle gaps of increasing length.
struct WakeSample {
  double idle_s;
  double seconds;
};

struct WakeFit {
  double after_s = 0;    // idle from which a transfer pays the wake-up
  double latency_s = 0;  // what it pays
};

// From the back-to-back time and the times after each gap (shortest gap first): none if
// the longest gap costs less than 2 us or 10 % over back to back; otherwise `latency_s` is
// the median extra time of the gaps from the threshold on, where the threshold is the
// shortest gap from which every longer gap too costs at least half the longest gap's extra
// time, and `after_s` lies halfway between it and the gap before (the shortest gap itself
// if the first already costs it).
std::optional<WakeFit> fit_wake(double back_to_back_s, const std::vector<WakeSample>& after_idle);

// One line through the samples (at least two distinct sizes); the intercept and slope are
// kept non-negative.
LineFit fit_line(const std::vector<Sample>& samples);

// A line, or two where that makes the relative residuals much smaller: of the splits that
// leave three sizes or more on each side, the one with the least squared relative error
// (the worst point left out), if that is under two thirds of one line's.
LinkFit fit_link(std::vector<Sample> samples);

}  // namespace tiersim::real
