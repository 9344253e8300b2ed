// Mooncake Store's batch eviction worked out by hand (the master's EvictionThreadFunc and
// BatchEvict: a batch of ceil(objects x max(ratio, used - watermark + ratio)) past the
// high watermark, earliest lease first), through the counting path and a partitioned one.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "models/cache/resident_set.h"
#include "models/policies/policy_registry.h"
#include "sim/config/config_node.h"
#include "trace_fixtures.h"

using namespace tiersim;
using namespace tiersim::models;

namespace {

std::unique_ptr<EvictionPolicy> mooncake(const char* json = "{}") {
  static nlohmann::json value;
  value = nlohmann::json::parse(json);
  const ConfigNode node(value, "tiers[0].policy", "test");
  return PolicyRegistry::find("mooncake_store")->make(&node);
}

// Inserts `key` as the tier does: announce, evict while there is no room, insert.
bool put(ResidentSet<EvictionPolicy>& cache, uint64_t key, int64_t now, std::vector<uint64_t>* evicted = nullptr) {
  cache.miss(key, 1, now);
  Evicted v;
  while (!cache.fits(1)) {
    if (!cache.evict(EvictionGuard{}, &v)) return false;
    if (evicted) evicted->push_back(v.key);
  }
  cache.insert(key, 1, now);
  return true;
}

}  // namespace

TEST_CASE("nothing is evicted below the high watermark, then a batch of the oldest leases goes") {
  auto policy = mooncake();
  ResidentSet<EvictionPolicy> cache(*policy, Capacity{100, UINT64_MAX});
  for (uint64_t k = 0; k < 90; ++k) REQUIRE(put(cache, k, static_cast<int64_t>(k)));
  CHECK(cache.count() == 90);  // 0.90 used: at the watermark, not past it
  cache.hit(cache.find(0), 90);  // key 0's lease is renewed: it is now the newest
  std::vector<uint64_t> evicted;
  REQUIRE(put(cache, 90, 91, &evicted));
  // 91 / 100 would be used: max(0.05, 0.91 - 0.90 + 0.05) = 0.06 of 90 objects, ceil 5.4 = 6.
  CHECK(evicted == std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
  CHECK(cache.count() == 85);
  for (uint64_t k = 91; k < 96; ++k) REQUIRE(put(cache, k, static_cast<int64_t>(k), &evicted));
  CHECK(evicted.size() == 6);  // back at 90: no batch yet
  REQUIRE(put(cache, 96, 96, &evicted));
  CHECK(evicted.size() == 12);
}

TEST_CASE("objects under lease are kept; when all are, the put fails") {
  auto policy = mooncake(R"({"lease": 1000, "high_watermark": 0.5})");
  ResidentSet<EvictionPolicy> cache(*policy, Capacity{4, UINT64_MAX});
  REQUIRE(put(cache, 1, 0));
  REQUIRE(put(cache, 2, 1));
  CHECK_FALSE(put(cache, 3, 2));  // 3 of 4 would pass 0.5, and both residents are leased
  CHECK(cache.count() == 2);
  CHECK(put(cache, 3, 1500));  // the leases ran out
}

TEST_CASE("the counting path replays Mooncake Store's batches") {
  std::vector<traces::Access> accesses;
  for (uint64_t k = 0; k < 1000; ++k) accesses.push_back(traces::Access{k, k % 200, 0, 0, -1});
  static nlohmann::json params = nlohmann::json::parse(R"({"name": "mooncake_store"})");
  const ConfigNode node(params, "--policy", "test");
  const auto results = PolicyRegistry::find("mooncake_store")->replay(testing::opener(accesses), {Capacity{100, UINT64_MAX}}, &node);
  // A cyclic scan of 200 objects through 100 slots misses every time, as LRU would.
  CHECK(results[0].misses == 1000);
  const auto big = PolicyRegistry::find("mooncake_store")->replay(testing::opener(accesses), {Capacity{250, UINT64_MAX}}, &node);
  CHECK(big[0].misses == 200);  // 200 of 250 is under the watermark: only cold misses
}
