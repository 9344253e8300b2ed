#include "models/policies/lru.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <list>

#include "models/policies/policy_registry.h"
#include "models/cache/resident_set.h"
#include "sim/engine/random.h"
#include "trace_fixtures.h"

using namespace tiersim::models;

TEST_CASE("LRU evicts the least recently used slot the guard allows") {
  Lru lru(nullptr);
  ResidentSet<Lru> cache(lru, Capacity{3, UINT64_MAX});
  cache.insert(10, 1);
  cache.insert(20, 1);
  cache.insert(30, 1);
  cache.hit(cache.find(10));  // order now 20, 30, 10
  Evicted v;
  REQUIRE(cache.evict(EvictionGuard{}, &v));
  CHECK(v.key == 20);
  cache.insert(40, 1);  // 30, 10, 40
  cache.stamp(cache.find(30), 5);
  REQUIRE(cache.evict(cache.guard(5, true), &v));  // 30 is protected
  CHECK(v.key == 10);
  cache.stamp(cache.find(40), 5);
  CHECK_FALSE(cache.evict(cache.guard(5, true), &v));  // everything protected
  CHECK(cache.count() == 2);
}

TEST_CASE("the counting replay matches a list-based LRU for object and byte capacities") {
  std::vector<tiersim::traces::Access> accesses;
  sim::Rng rng(3);
  for (int i = 0; i < 20000; ++i) {
    tiersim::traces::Access a;
    a.step = static_cast<uint64_t>(i);
    a.object = rng.below(2) ? rng.below(50) : rng.below(400);
    a.size_bytes = static_cast<uint32_t>(1 + a.object % 7);
    accesses.push_back(a);
  }
  const std::vector<Capacity> capacities{{16, UINT64_MAX}, {100, UINT64_MAX}, {UINT64_MAX, 200}};
  const auto results = PolicyRegistry::find("lru")->replay(tiersim::testing::opener(accesses), capacities, nullptr);
  REQUIRE(results.size() == 3);
  for (size_t c = 0; c < capacities.size(); ++c) {
    const bool by_bytes = capacities[c].bytes != UINT64_MAX;
    std::list<std::pair<uint64_t, uint64_t>> order;  // front = most recent
    uint64_t used = 0, misses = 0;
    for (const auto& a : accesses) {
      const uint64_t size = by_bytes ? a.size_bytes : 1;
      auto it = std::find_if(order.begin(), order.end(), [&](auto& p) { return p.first == a.object; });
      if (it != order.end()) {
        order.splice(order.begin(), order, it);
        continue;
      }
      ++misses;
      const uint64_t limit = by_bytes ? capacities[c].bytes : capacities[c].objects;
      while (used + size > limit) {
        used -= order.back().second;
        order.pop_back();
      }
      order.emplace_front(a.object, size);
      used += size;
    }
    CHECK(results[c].requests == accesses.size());
    CHECK(results[c].misses == misses);
  }
}
