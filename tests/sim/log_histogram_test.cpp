#include "sim/stats/log_histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/engine/random.h"

TEST_CASE("small values are exact") {
  sim::LogHistogram h;
  for (uint64_t v = 0; v < 200; ++v) h.record(v);
  CHECK(h.count() == 200);
  CHECK(h.min() == 0);
  CHECK(h.max() == 199);
  CHECK(h.quantile(0.5) == 99);
  CHECK(h.mean() == doctest::Approx(99.5));
}

TEST_CASE("bucket bounds tile the integers") {
  uint64_t expected_low = 0;
  for (int b = 0; b < 3000; ++b) {
    CHECK(sim::LogHistogram::bucket_lower_bound(b) == expected_low);
    CHECK(sim::LogHistogram::bucket_of(sim::LogHistogram::bucket_lower_bound(b)) == b);
    CHECK(sim::LogHistogram::bucket_of(sim::LogHistogram::bucket_upper_bound(b)) == b);
    expected_low = sim::LogHistogram::bucket_upper_bound(b) + 1;
  }
}

TEST_CASE("quantiles are within 1 % of the exact order statistic") {
  sim::Rng rng(42);
  sim::LogHistogram h;
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = static_cast<uint64_t>(std::exp(rng.uniform01() * 30.0));  // spans 1 .. 1e13
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
    const uint64_t exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    const double reported = static_cast<double>(h.quantile(q));
    CHECK(std::abs(reported - static_cast<double>(exact)) <= 0.01 * static_cast<double>(exact) + 1);
  }
  CHECK(h.quantile(1.0) == values.back());
  CHECK(h.quantile(0.0) == values.front());
}

TEST_CASE("a value recorded many times at once, and merged histograms, count like single records") {
  sim::LogHistogram once, many, left, right;
  for (int i = 0; i < 5; ++i) once.record(1000);
  once.record(7);
  many.record(1000, 5);
  many.record(7, 1);
  many.record(3, 0);  // nothing
  CHECK(many.count() == once.count());
  CHECK(many.min() == 7);
  CHECK(many.max() == 1000);
  CHECK(many.mean() == doctest::Approx(once.mean()));
  CHECK(many.quantile(0.5) == once.quantile(0.5));
  for (uint64_t v = 1; v <= 100; ++v) (v % 2 ? left : right).record(v * 37);
  left.merge(right);
  left.merge(sim::LogHistogram());
  CHECK(left.count() == 100);
  CHECK(left.min() == 37);
  CHECK(left.max() == 3700);
  CHECK(left.mean() == doctest::Approx(50.5 * 37));
}
