#pragma once
// The counting path: replay a trace through one cache per capacity with a policy known at
// compile time, counting hits and misses only. Instantiated once per registered policy by
// TIERSIM_REGISTER_POLICY, so the inner loop has no virtual call.
#include <memory>
#include <vector>

#include "models/tiers/resident_set.h"
#include "traces/trace_reader.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct CountingResult {
  uint64_t requests = 0;
  uint64_t misses = 0;
  uint64_t bytes_requested = 0;
  uint64_t bytes_missed = 0;
};

template <class Policy>
std::vector<CountingResult> replay_counting(traces::TraceReader& trace, const std::vector<Capacity>& capacities,
                                            const ConfigNode* parameters) {
  struct Cache {
    std::unique_ptr<Policy> policy;
    std::unique_ptr<ResidentSet<Policy>> resident;
    CountingResult result;
  };
  std::vector<Cache> caches;
  bool by_bytes = false;
  for (const Capacity& c : capacities) {
    Cache cache;
    cache.policy = std::make_unique<Policy>(parameters);
    cache.resident = std::make_unique<ResidentSet<Policy>>(*cache.policy, c);
    caches.push_back(std::move(cache));
    by_bytes = by_bytes || c.bytes != UINT64_MAX;
  }
  std::vector<traces::Access> batch(1 << 14);
  const EvictionGuard no_guard{};
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) {
    for (Cache& cache : caches) {
      ResidentSet<Policy>& resident = *cache.resident;
      CountingResult r = cache.result;
      for (size_t i = 0; i < n; ++i) {
        const traces::Access& a = batch[i];
        const uint64_t size = by_bytes ? (a.size_bytes ? a.size_bytes : 1) : 1;
        ++r.requests;
        r.bytes_requested += size;
        const Slot slot = resident.find(a.object);
        if (slot != kNoSlot) {
          resident.hit(slot, a.next_access);
          continue;
        }
        ++r.misses;
        r.bytes_missed += size;
        if (!resident.can_ever_fit(size)) continue;  // larger than the cache: bypass
        while (!resident.fits(size)) resident.evict(no_guard, nullptr);
        resident.insert(a.object, size, a.next_access);
      }
      cache.result = r;
    }
  }
  std::vector<CountingResult> results;
  for (const Cache& cache : caches) results.push_back(cache.result);
  return results;
}

}  // namespace tiersim::models
