#include <doctest/doctest.h>

#include <cmath>

#include "real_backend/calibration_fit.h"

using namespace tiersim::real;

TEST_CASE("a line through exact latency + bytes / bandwidth points recovers both") {
  std::vector<Sample> samples;
  for (double bytes = 4096; bytes <= 256.0 * 1024 * 1024; bytes *= 4) samples.push_back({bytes, 20e-6 + bytes / 3e9});
  const LineFit fit = fit_line(samples);
  CHECK(fit.latency_s == doctest::Approx(20e-6).epsilon(1e-6));
  CHECK(fit.bandwidth_Bps() == doctest::Approx(3e9).epsilon(1e-6));
  CHECK(fit.r2 == doctest::Approx(1.0));
  CHECK(fit.worst_relative < 1e-9);
  CHECK_FALSE(fit_link(samples).small.has_value());
}

TEST_CASE("small transfers on their own line get their own piece") {
  std::vector<Sample> samples;
  for (double bytes = 4096; bytes <= 256.0 * 1024 * 1024; bytes *= 4) {
    const bool small = bytes < 1024 * 1024;
    samples.push_back({bytes, small ? 60e-6 + bytes / 1e9 : 400e-6 + bytes / 3e9});
  }
  const LinkFit fit = fit_link(samples);
  REQUIRE(fit.small.has_value());
  CHECK(fit.small_below == 1024 * 1024);
  CHECK(fit.large.bandwidth_Bps() == doctest::Approx(3e9).epsilon(1e-6));
  CHECK(fit.small->latency_s == doctest::Approx(60e-6).epsilon(1e-6));
  CHECK(fit.worst_relative < 1e-9);
  for (const Sample& s : samples) CHECK(fit.predict(s.bytes) == doctest::Approx(s.seconds).epsilon(1e-9));
}

TEST_CASE("the intercept is never negative") {
  // Times that would extrapolate below zero at size 0.
  std::vector<Sample> samples = {{1e6, 0.5e-3}, {2e6, 1.2e-3}, {4e6, 2.6e-3}};
  const LineFit fit = fit_line(samples);
  CHECK(fit.latency_s >= 0);
  CHECK(fit.seconds_per_byte > 0);
}

TEST_CASE("one noisy small size does not move the split or spoil the large piece") {
  // A GPU-like series: a flat ~25 us below 1 MiB, 50 GB/s with 45 us from there on, and
  // the 4 KiB point three times too slow (a preempted thread).
  std::vector<Sample> samples;
  for (double bytes = 4096; bytes <= 256.0 * 1024 * 1024; bytes *= 2) {
    double t = bytes < 1024 * 1024 ? 25e-6 + bytes / 100e9 : 45e-6 + bytes / 50e9;
    if (bytes == 4096) t *= 3;
    samples.push_back({bytes, t});
  }
  const LinkFit fit = fit_link(samples);
  REQUIRE(fit.small.has_value());
  CHECK(fit.small_below == 1024 * 1024);
  CHECK(fit.large.bandwidth_Bps() == doctest::Approx(50e9).epsilon(1e-6));
  CHECK(fit.large.latency_s == doctest::Approx(45e-6).epsilon(1e-6));
  // The worst residual is the noisy point, and says so.
  CHECK(fit.worst_relative > 0.3);
}

TEST_CASE("fit_wake: a step in the idle curve gives the step's height and where it starts") {
  using tiersim::real::fit_wake;
  using tiersim::real::WakeSample;
  // 100 us back to back; from 200 us idle on, 80 us more (with some noise).
  const std::vector<WakeSample> step = {{25e-6, 101e-6}, {50e-6, 99e-6}, {100e-6, 103e-6}, {200e-6, 178e-6},
                                        {400e-6, 182e-6}, {800e-6, 180e-6}, {1600e-6, 185e-6}};
  const auto wake = fit_wake(100e-6, step);
  REQUIRE(wake.has_value());
  CHECK(wake->latency_s == doctest::Approx(81e-6));  // median of 78, 82, 80, 85
  CHECK(wake->after_s == doctest::Approx(150e-6));   // between 100 (no) and 200 (yes)
  // A lone slow gap in the middle does not move the threshold below a fast one.
  std::vector<WakeSample> blip = step;
  blip[1].seconds = 190e-6;
  CHECK(fit_wake(100e-6, blip)->after_s == doctest::Approx(150e-6));
  // Woken from the shortest gap on.
  const auto always = fit_wake(100e-6, {{25e-6, 150e-6}, {50e-6, 152e-6}});
  REQUIRE(always.has_value());
  CHECK(always->after_s == doctest::Approx(25e-6));
  CHECK(always->latency_s == doctest::Approx(51e-6));
  // Flat (within 10 % or 2 us): no wake-up.
  CHECK_FALSE(fit_wake(100e-6, {{25e-6, 101e-6}, {1600e-6, 108e-6}}).has_value());
  CHECK_FALSE(fit_wake(5e-6, {{25e-6, 5e-6}, {1600e-6, 6.5e-6}}).has_value());
  CHECK_FALSE(fit_wake(100e-6, {}).has_value());
}
