#pragma once
// The counting path: replay a trace through one cache per capacity with a policy known at
// compile time, counting hits and misses only. Instantiated once per registered policy by
// TIERSIM_REGISTER_POLICY, so the inner loop has no virtual call. Offline policies
// (Belady) get each access's next-access index from a first pass over the trace.
#include <functional>
#include <memory>
#include <vector>

#include "models/cache/counting_result.h"
#include "models/cache/resident_set.h"
#include "traces/next_access.h"
#include "traces/trace_reader.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

// `make(capacity)` builds one cache's policy; when `policy_holds_limit` the policy enforces
// the capacity itself (a partitioned cache) and the resident set is unbounded.
template <class Policy, class Make>
std::vector<CountingResult> replay_counting_with(const TraceOpener& open, const std::vector<Capacity>& capacities, Make&& make,
                                                 bool policy_holds_limit) {
  struct Cache {
    std::unique_ptr<Policy> policy;
    std::unique_ptr<ResidentSet<Policy>> resident;
    CountingResult result;
  };
  std::vector<Cache> caches;
  bool by_bytes = false;
  for (const Capacity& c : capacities) {
    Cache cache;
    cache.policy = make(c);
    cache.resident = std::make_unique<ResidentSet<Policy>>(*cache.policy, policy_holds_limit ? Capacity{} : c);
    caches.push_back(std::move(cache));
    by_bytes = by_bytes || c.bytes != UINT64_MAX;
  }
  const bool offline = !caches.empty() && caches.front().policy->offline();
  std::unique_ptr<traces::TraceReader> trace = open();
  if (offline) {
    std::vector<int64_t> next = traces::next_access_indices(*trace);
    trace = std::make_unique<traces::WithNextAccess>(open(), std::move(next));
  }
  std::vector<traces::Access> batch(1 << 14);
  const EvictionGuard no_guard{};
  int64_t base = 0;  // index of batch[0] in the trace
  size_t n;
  while ((n = trace->read(batch.data(), batch.size())) > 0) {
    for (Cache& cache : caches) {
      ResidentSet<Policy>& resident = *cache.resident;
      CountingResult r = cache.result;
      for (size_t i = 0; i < n; ++i) {
        const traces::Access& a = batch[i];
        const int64_t now = base + static_cast<int64_t>(i);
        const uint64_t size = by_bytes ? (a.size_bytes ? a.size_bytes : 1) : 1;
        ++r.requests;
        r.bytes_requested += size;
        Slot slot = resident.find(a.object);
        if (slot != kNoSlot && resident.expired(slot, now)) {
          resident.remove(slot);
          ++r.expirations;
          slot = kNoSlot;
        }
        if (slot != kNoSlot) {
          resident.hit(slot, now, a.next_access);
          continue;
        }
        ++r.misses;
        r.bytes_missed += size;
        if (!resident.can_ever_fit(size)) continue;  // larger than the cache: bypass
        resident.miss(a.object, size, now, a.next_access);
        bool room = true;
        while (room && !resident.fits(size)) room = resident.evict(no_guard, nullptr);
        if (room) resident.insert(a.object, size, now, a.next_access);  // else larger than its part: bypass
      }
      cache.result = r;
    }
    base += static_cast<int64_t>(n);
  }
  std::vector<CountingResult> results;
  for (const Cache& cache : caches) results.push_back(cache.result);
  return results;
}

template <class Policy>
std::vector<CountingResult> replay_counting(const TraceOpener& open, const std::vector<Capacity>& capacities,
                                            const ConfigNode* parameters) {
  return replay_counting_with<Policy>(
      open, capacities, [&](const Capacity&) { return std::make_unique<Policy>(parameters); }, false);
}

}  // namespace tiersim::models
