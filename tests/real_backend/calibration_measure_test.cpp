#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "real_backend/calibration_measure.h"
#include "real_backend/memcpy_executor.h"

using namespace tiersim::real;

namespace {

Measurement round_of(std::vector<double> times, double wall) {
  Measurement m;
  m.bytes = 1000;
  m.times_s = times;
  m.repeats = static_cast<unsigned>(times.size());
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  m.median_s = sorted[sorted.size() / 2];
  m.wall_s = wall;
  return m;
}

}  // namespace

TEST_CASE("rounds pool their copies, and how far their medians lie apart is kept") {
  const Measurement m = combine_rounds({round_of({3, 1, 2}, 6), round_of({12, 10, 11}, 33), round_of({6, 5, 4}, 15)});
  CHECK(m.repeats == 9);
  CHECK(m.rounds == 3);
  CHECK(m.round == 0);
  CHECK(m.median_s == 5);  // of 1 2 3 4 5 6 10 11 12, not of the rounds' medians (2 11 5)
  CHECK(m.min_s == 1);
  CHECK(m.max_s == 12);
  CHECK(m.mean_s == doctest::Approx(54.0 / 9));
  CHECK(m.round_spread == doctest::Approx((11.0 - 2.0) / 5.0));
  CHECK(m.aggregate_GBps == doctest::Approx(1000.0 * 9 / 54 / 1e9));
  CHECK(m.device_median_s < 0);  // no round had device times
  const Measurement agreeing = combine_rounds({round_of({2, 2, 2}, 6), round_of({2, 2, 2}, 6)});
  CHECK(agreeing.round_spread == 0);
}

TEST_CASE("how far a series' rounds lie apart is judged by their bandwidth over the large sizes") {
  auto sized = [](uint64_t bytes, std::vector<double> times) {
    Measurement m = round_of(std::move(times), 1);
    m.bytes = bytes;
    return m;
  };
  const std::vector<std::vector<Measurement>> by_size = {
      {sized(1000, {1}), sized(1000, {100}), sized(1000, {1})},  // below the threshold: ignored
      {sized(2000, {1, 1}), sized(2000, {2, 2}), sized(2000, {1, 1})},
      {sized(4000, {2}), sized(4000, {2}), sized(4000, {4})},
  };
  // Rounds move 8000 bytes each, in 4, 6 and 6 s: 2000, 1333 and 1333 B/s.
  CHECK(rounds_apart(by_size, 2000) == doctest::Approx((2000.0 - 8000.0 / 6) / (8000.0 / 6)));
  CHECK(rounds_apart(by_size, 8000) == 0);  // no size that large
  CHECK(rounds_apart({{sized(2000, {1})}}, 1) == 0);  // one round
}

TEST_CASE("a host copy longer than the executor's pieces, and not a multiple of them, arrives whole") {
  CompletionQueue completions;
  auto executor = make_memcpy_executor(completions, 1);
  const uint64_t bytes = (5ull << 20) + 123;
  std::vector<char> from(bytes), to(bytes, 0);
  for (uint64_t i = 0; i < bytes; ++i) from[i] = static_cast<char>(i * 131 + (i >> 20));
  const Measurement m = measure(*executor, completions, PointShape{1, 2, bytes}, [&](unsigned) {
    Copy c;
    c.from = Location{Location::Kind::kHost, from.data(), -1, 0};
    c.to = Location{Location::Kind::kHost, to.data(), -1, 0};
    return c;
  });
  CHECK(m.repeats == 2);
  CHECK(m.times_s.size() == 2);
  CHECK(m.min_s > 0);
  CHECK(std::memcmp(from.data(), to.data(), bytes) == 0);
}
