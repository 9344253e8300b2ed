#pragma once
// One tier of the hierarchy (HBM, DRAM, NVMe, S3...): its resident objects, the eviction
// policy that orders them and its counters. The last tier of a topology is the backing
// store: it holds every object and has no capacity or policy.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/links/codec_link.h"
#include "models/links/object_store_link.h"
#include "models/policies/i_eviction_policy.h"
#include "models/cache/resident_set.h"

namespace tiersim::models {

struct TierSpec {
  std::string name;
  Capacity capacity;          // unlimited for the backing store
  std::string policy = "lru";
  // A fresh instance of the tier's policy with its parameters (checked when the tier was
  // read); the backing store's is never consulted.
  std::function<std::unique_ptr<EvictionPolicy>()> make_policy;
  bool offline_policy = false;  // the policy reads the future of the trace (Belady)
  // The backing store may be an object store with request limits, and may hold its
  // objects compressed (models/links/object_store_link.h, codec_link.h).
  std::optional<ObjectStoreSpec> object_store;
  CompressionSpec compression;
};

struct TierStats {
  uint64_t hits = 0;        // lookups that found the object here (reads, for the backing store)
  uint64_t misses = 0;      // lookups that did not
  uint64_t inserts = 0;
  uint64_t evictions = 0;
  uint64_t writebacks = 0;  // dirty victims written to the tier below
  uint64_t written = 0;     // dirty objects written into this tier from above
  uint64_t expirations = 0; // copies found expired (TTL) and dropped

  TierStats& operator+=(const TierStats& o) {
    hits += o.hits;
    misses += o.misses;
    inserts += o.inserts;
    evictions += o.evictions;
    writebacks += o.writebacks;
    written += o.written;
    expirations += o.expirations;
    return *this;
  }
};

class Tier {
 public:
  Tier(TierSpec spec, std::unique_ptr<EvictionPolicy> policy, bool backing)
      : spec_(std::move(spec)), policy_(std::move(policy)), resident_(*policy_, spec_.capacity), backing_(backing) {}

  const TierSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  bool is_backing_store() const { return backing_; }
  ResidentSet<EvictionPolicy>& resident() { return resident_; }
  const ResidentSet<EvictionPolicy>& resident() const { return resident_; }
  TierStats& stats() { return stats_; }
  const TierStats& stats() const { return stats_; }

 private:
  TierSpec spec_;
  std::unique_ptr<EvictionPolicy> policy_;
  ResidentSet<EvictionPolicy> resident_;
  bool backing_;
  TierStats stats_;
};

}  // namespace tiersim::models
