#include "sim/containers/flat_map.h"

#include <doctest/doctest.h>

#include <unordered_map>

#include "sim/engine/random.h"

TEST_CASE("FlatMap agrees with std::unordered_map under random inserts and erases") {
  sim::FlatMap<uint32_t> map;
  std::unordered_map<uint64_t, uint32_t> reference;
  sim::Rng rng(7);
  for (int i = 0; i < 200000; ++i) {
    // Keys clustered so probe runs collide, plus the reserved all-ones key.
    const uint64_t key = rng.below(8) == 0 ? ~uint64_t{0} : rng.below(3000) << (rng.below(2) * 40);
    const bool present = reference.count(key) != 0;
    REQUIRE((map.find(key) != nullptr) == present);
    if (present) REQUIRE(*map.find(key) == reference[key]);
    const uint64_t op = rng.below(6);
    if (op < 2) {
      CHECK(map.erase(key) == present);
      reference.erase(key);
    } else if (op < 4) {
      // find_or_insert returns the existing value, or inserts the fallback.
      const uint32_t got = map.find_or_insert(key, static_cast<uint32_t>(i));
      CHECK(got == (present ? reference[key] : static_cast<uint32_t>(i)));
      if (!present) reference[key] = static_cast<uint32_t>(i);
    } else if (!present) {
      map.insert(key, static_cast<uint32_t>(i));
      reference[key] = static_cast<uint32_t>(i);
    }
    REQUIRE(map.size() == reference.size());
  }
  size_t visited = 0;
  map.for_each([&](uint64_t key, uint32_t value) {
    CHECK(reference.at(key) == value);
    ++visited;
  });
  CHECK(visited == reference.size());
}
