#include "sim/config/units.h"

#include <doctest/doctest.h>

using namespace sim::units;

TEST_CASE("sizes parse exactly in decimal and binary units") {
  CHECK(parse_bytes("64 GiB") == 64ull << 30);
  CHECK(parse_bytes("512KB") == 512000);
  CHECK(parse_bytes("1.5 GB") == 1500000000ull);
  CHECK(parse_bytes("4 kB") == 4000);
  CHECK(parse_bytes("526848") == 526848);
  CHECK(parse_bytes("0.5 KiB") == 512);
  CHECK(parse_bytes("1e3 B") == 1000);
}

TEST_CASE("bandwidths parse as bytes per second, bits divided by 8") {
  CHECK(parse_bandwidth_Bps("25 GB/s") == 25'000'000'000ull);
  CHECK(parse_bandwidth_Bps("12 GiB/s") == 12ull << 30);
  CHECK(parse_bandwidth_Bps("100 Gb/s") == 12'500'000'000ull);
  CHECK(parse_bandwidth_Bps("100 Gbps") == 12'500'000'000ull);
  CHECK(parse_bandwidth_Bps("3 GB/s") == 3'000'000'000ull);
}

TEST_CASE("durations parse to picoseconds without rounding error") {
  CHECK(parse_duration("3 us") == 3 * sim::kMicrosecond);
  CHECK(parse_duration("0.2 ms") == 200 * sim::kMicrosecond);
  CHECK(parse_duration("1.5 ns") == 1500);
  CHECK(parse_duration("2 s") == 2 * sim::kSecond);
  CHECK(parse_duration("7ps") == 7);
}

TEST_CASE("malformed quantities are rejected with what was expected") {
  CHECK_THROWS_WITH_AS(parse_bandwidth_Bps("12 GB/z"), doctest::Contains("expected a bandwidth"), UnitError);
  CHECK_THROWS_AS(parse_bytes("-5 GiB"), UnitError);
  CHECK_THROWS_AS(parse_bytes("five GiB"), UnitError);
  CHECK_THROWS_AS(parse_bytes("1.5"), UnitError);  // fractional bytes
  CHECK_THROWS_AS(parse_duration("3"), UnitError);  // a duration needs a unit
  CHECK_THROWS_AS(parse_duration("3 parsecs"), UnitError);
  CHECK_THROWS_AS(parse_bytes("99999999999999 PiB"), UnitError);  // overflow
  CHECK_THROWS_AS(parse_bytes(""), UnitError);
}

TEST_CASE("transfer time rounds up to a whole picosecond") {
  CHECK(sim::transfer_time(526848, 12'000'000'000ull) == 43'904'000);
  CHECK(sim::transfer_time(1, 3) == 333'333'333'334);
  CHECK(sim::transfer_time(0, 5) == 0);
}
