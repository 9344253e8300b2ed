#pragma once
// One tier of the hierarchy (HBM, DRAM, NVMe, S3...): its resident objects, the eviction
// policy that orders them and its counters. Every operation that changes what the tier
// holds, or asks it for an object, counts itself: callers never touch the counters.
// The hierarchy-level steps (a victim written down, a clean copy demoted) are in
// models/cache/cache_hierarchy.h. The last tier of a topology is the backing store: it
// takes no capacity or policy.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/cache/resident_set.h"
#include "models/links/codec_link.h"
#include "models/links/object_store_link.h"
#include "models/policies/i_eviction_policy.h"

namespace tiersim::models {

struct TierSpec {
  std::string name;
  Capacity capacity;          // unlimited for the backing store
  std::string policy = "lru";
  // A fresh instance of the tier's policy with its parameters (checked when the tier was
  // read); the backing store's is never consulted.
  std::function<std::unique_ptr<EvictionPolicy>()> make_policy;
  bool offline_policy = false;  // the policy reads the future of the trace (Belady)
  // "partition": "layer": `capacity` per MoE layer, each layer its own policy instance
  // (models/policies/partitioned_policy.h); where it was given, for errors.
  bool partition_by_layer = false;
  std::string partition_path;
  // "refresh_on_hit_above": a hit in a tier above tells this tier's policy of the use too,
  // as one system managing both would; separate caches stacked (the default) do not.
  bool refresh_on_hit_above = false;
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
  uint64_t writebacks = 0;  // victims written to the tier below
  uint64_t written = 0;     // objects written into this tier from above
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
      : spec_(std::move(spec)),
        policy_(std::move(policy)),
        resident_(*policy_, spec_.partition_by_layer ? Capacity{} : spec_.capacity),  // the parts hold the limit
        backing_(backing) {}

  const TierSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  bool is_backing_store() const { return backing_; }
  const TierStats& stats() const { return stats_; }
  const EvictionPolicy& policy() const { return *policy_; }
  EvictionPolicy& policy() { return *policy_; }  // for a workload that retags or switches it (the KV store)
  // What the tier holds, for reading and for per-object state (dirty bits, pins, stamps).
  ResidentSet<EvictionPolicy>& resident() { return resident_; }
  const ResidentSet<EvictionPolicy>& resident() const { return resident_; }

  // Called before anything enters or leaves the tier (a workload integrating what it
  // stores over time); `context` is handed back.
  void on_change(void (*fn)(void*, uint64_t), void* context, uint64_t argument) {
    on_change_ = {fn, context, argument};
  }

  // The object's slot, or kNoSlot, counting a hit (and telling the policy, at logical
  // time `now`) or a miss. A copy found expired leaves first (counted; into `expired`,
  // when given, for a dirty one to be written down), unless it is pinned: in flight, it
  // expires once it has landed.
  Slot lookup(uint64_t key, int64_t now, int64_t next_access = kNever, Evicted* expired = nullptr) {
    Slot slot = resident_.find(key);
    if (slot != kNoSlot && resident_.expired(slot, now) && resident_.pins(slot) == 0) {  // expiry is rare: asked first
      changing();
      ++stats_.expirations;
      if (expired) *expired = Evicted{slot, key, resident_.size_bytes(slot), resident_.dirty(slot)};
      resident_.remove(slot);
      slot = kNoSlot;
    }
    if (slot == kNoSlot) {
      ++stats_.misses;
      return kNoSlot;
    }
    ++stats_.hits;
    resident_.hit(slot, now, next_access);
    return slot;
  }
  // The backing store served a read (it holds every object, so nothing is looked up).
  void read_from_store() { ++stats_.hits; }

  // Tells the policy `key` is about to come in, then evicts its victims (counted, each
  // handed to `victim(const Evicted&)`) until `bytes` more fit. False when the rest is
  // protected by `guard` (the tier then holds less, and nothing came in).
  template <class OnVictim>
  bool make_room(uint64_t key, uint64_t bytes, int64_t now, int64_t next_access, const EvictionGuard& guard, OnVictim&& victim) {
    resident_.miss(key, bytes, now, next_access);
    while (!resident_.fits(bytes)) {
      Evicted evicted;
      changing();
      if (!resident_.evict(guard, &evicted)) return false;
      ++stats_.evictions;
      victim(evicted);
    }
    return true;
  }
  // Reserves `bytes` of a byte capacity for something other than objects, evicting (counted,
  // each victim handed to `victim`) until what is resident fits beside it. False when the
  // rest is protected by `guard` (the tier then holds more than it should, until unpinned).
  template <class OnVictim>
  bool reserve(uint64_t bytes, const EvictionGuard& guard, OnVictim&& victim) {
    resident_.set_reserved(bytes);
    while (resident_.over_capacity()) {
      Evicted evicted;
      changing();
      if (!resident_.evict(guard, &evicted)) return false;
      ++stats_.evictions;
      victim(evicted);
    }
    return true;
  }
  // Inserts an absent object for which there is room (counted).
  Slot insert(uint64_t key, uint64_t bytes, int64_t now, int64_t next_access = kNever) {
    changing();
    ++stats_.inserts;
    return resident_.insert(key, bytes, now, next_access);
  }
  // Removes a resident object that leaves without an eviction (moved to another tier).
  void remove(Slot slot) {
    changing();
    resident_.remove(slot);
  }
  // A resident copy written over or used again without a lookup: the policy sees a hit.
  void refresh(Slot slot, int64_t now, int64_t next_access = kNever) { resident_.hit(slot, now, next_access); }

  // Counts for the hierarchy's write-downs (models/cache/cache_hierarchy.h).
  void count_writeback() { ++stats_.writebacks; }
  void count_written() { ++stats_.written; }

 private:
  void changing() {
    if (on_change_.fn) on_change_.fn(on_change_.context, on_change_.argument);
  }

  TierSpec spec_;
  std::unique_ptr<EvictionPolicy> policy_;
  ResidentSet<EvictionPolicy> resident_;
  bool backing_;
  TierStats stats_;
  struct {
    void (*fn)(void*, uint64_t) = nullptr;
    void* context = nullptr;
    uint64_t argument = 0;
  } on_change_;
};

}  // namespace tiersim::models
