// Every registered eviction policy, driven through ResidentSet with random hits, misses,
// removals, pins and step stamps: a victim is never protected, eviction fails only when
// everything is protected, and the set stays consistent.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "models/policies/ghost_queue.h"
#include "models/policies/policy_registry.h"
#include "models/cache/resident_set.h"
#include "sim/containers/indexed_heap.h"
#include "sim/config/config_node.h"
#include "sim/engine/random.h"

using namespace tiersim::models;

TEST_CASE("every policy evicts only unprotected objects, and always finds one if any") {
  for (const PolicyEntry* entry : PolicyRegistry::all()) {
    CAPTURE(entry->name);
    for (uint64_t capacity : {1u, 3u, 17u}) {
      auto policy = entry->make(nullptr);
      ResidentSet<EvictionPolicy> cache(*policy, Capacity{capacity, UINT64_MAX});
      sim::Rng rng(capacity * 7 + entry->name.size());
      std::set<uint64_t> resident;
      std::vector<uint64_t> pinned;
      uint32_t stamp = 1;
      for (int64_t now = 0; now < 4000; ++now) {
        if (now % 9 == 0) ++stamp;
        const uint64_t key = rng.below(3 * capacity + 2);
        Slot slot = cache.find(key);
        if (slot != kNoSlot && cache.expired(slot, now) && cache.pins(slot) == 0) {
          cache.remove(slot);
          resident.erase(key);
          slot = kNoSlot;
        }
        if (slot != kNoSlot) {
          cache.hit(slot, now, now + 1 + static_cast<int64_t>(rng.below(50)));
          if (rng.below(3) == 0) cache.stamp(slot, stamp);
        } else {
          cache.miss(key, 1, now);
          bool room = true;
          while (room && !cache.fits(1)) {
            const EvictionGuard guard = cache.guard(stamp, true);
            Evicted victim;
            bool any_allowed = false;
            for (uint64_t k : resident) any_allowed = any_allowed || guard.allows(cache.find(k));
            room = cache.evict(guard, &victim);
            CHECK(room == any_allowed);
            if (room) {
              CHECK(resident.count(victim.key) == 1);
              CHECK(std::find(pinned.begin(), pinned.end(), victim.key) == pinned.end());
              resident.erase(victim.key);
            }
          }
          if (!room) continue;
          slot = cache.insert(key, 1, now, now + 1 + static_cast<int64_t>(rng.below(50)));
          resident.insert(key);
          if (rng.below(4) == 0) {
            cache.pin(slot);
            pinned.push_back(key);
          }
        }
        if (!pinned.empty() && rng.below(3) == 0) {  // a transfer lands
          const size_t i = rng.below(pinned.size());
          cache.unpin(cache.find(pinned[i]));
          pinned.erase(pinned.begin() + static_cast<std::ptrdiff_t>(i));
        }
        REQUIRE(cache.count() == resident.size());
        REQUIRE(cache.count() <= capacity);
        REQUIRE(cache.pinned_count() == pinned.size());
      }
    }
  }
}

TEST_CASE("policies reject unknown and out-of-range parameters with the JSON path") {
  const nlohmann::json bad = nlohmann::json::parse(R"({"name": "x", "no_such_parameter": 1})");
  const tiersim::ConfigNode node(bad, "tiers[0].policy", "test.json");
  for (const PolicyEntry* entry : PolicyRegistry::all()) {
    CAPTURE(entry->name);
    CHECK_THROWS_WITH_AS(entry->make(&node), doctest::Contains("tiers[0].policy.no_such_parameter"), std::exception);
  }
}

TEST_CASE("indexed heap keeps order through updates and removals") {
  sim::IndexedHeap<int64_t> heap;
  heap.resize(100);
  sim::Rng rng(5);
  std::vector<int64_t> key(100, -1);
  for (int round = 0; round < 5000; ++round) {
    const uint32_t id = static_cast<uint32_t>(rng.below(100));
    const int64_t k = static_cast<int64_t>(rng.below(1000));
    if (!heap.contains(id)) {
      heap.push(id, k);
      key[id] = k;
    } else if (rng.below(3) == 0) {
      heap.erase(id);
      key[id] = -1;
    } else {
      heap.update(id, k);
      key[id] = k;
    }
    if (heap.empty()) continue;
    int64_t smallest = INT64_MAX;
    for (int64_t v : key)
      if (v >= 0) smallest = std::min(smallest, v);
    REQUIRE(heap.key(heap.top()) == smallest);
    const uint32_t odd = heap.smallest_allowed([](uint32_t i) { return i % 2 == 1; });
    int64_t smallest_odd = INT64_MAX;
    for (uint32_t i = 1; i < 100; i += 2)
      if (key[i] >= 0) smallest_odd = std::min(smallest_odd, key[i]);
    if (smallest_odd == INT64_MAX) CHECK(odd == heap.kAbsent);
    else CHECK(heap.key(odd) == smallest_odd);
  }
}

TEST_CASE("ghost queue drops its oldest keys beyond its weight capacity") {
  GhostQueue ghosts(5);
  for (uint64_t k = 1; k <= 4; ++k) ghosts.push(k);
  ghosts.push(10, 2);  // weight 6 > 5: key 1 goes
  CHECK_FALSE(ghosts.contains(1));
  CHECK(ghosts.contains(2));
  CHECK(ghosts.weight() == 5);
  CHECK(ghosts.erase(10) == 2);
  CHECK(ghosts.erase(10) == 0);
  CHECK(ghosts.size() == 3);
  ghosts.push(11, 9);  // heavier than the capacity: not kept
  CHECK_FALSE(ghosts.contains(11));
}
