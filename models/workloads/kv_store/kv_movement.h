#pragma once
// Movement control for the KV store (the KVSS design's stage 2): which entries of tier 2
// are promoted into tier 1 before anyone loads them.
//  - passive (the default): nothing moves up but what a load refills;
//  - proactive, controller "driver": the driver promotes what its own query found below
//    tier 1 (a load follows a query), in the background, at once;
//  - proactive, controller "daemon": a cache manager wakes every scan_interval and
//    promotes the most valuable tier-2 entries within bandwidth x scan_interval bytes.
//    Value is reuse frequency (loads that found the entry; only entries used min_uses
//    times qualify) or time to live (the latest expiry first; no TTL counts as forever).
//    It never displaces a hotter entry: a promotion takes free room in tier 1, or the
//    room of the entry tier 1's policy would evict next, and only while that one is worth
//    less (a lower priority, or as high and a lower value): TinyLFU's admission test.
//    Where the policy cannot name its next victim without acting (clock), only free room.
// This class keeps the uses and the ranking of tier-2-only candidates; the store tells it
// what moves and carries the promotions out.
#include <cstdint>
#include <set>
#include <string>

#include "sim/containers/flat_map.h"
#include "sim/engine/time.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct MovementSpec {
  enum class Mode { kPassive, kDriver, kDaemon };
  enum class Value { kFrequency, kTtl };
  Mode mode = Mode::kPassive;
  Value value = Value::kFrequency;
  uint32_t min_uses = 2;
  sim::Time scan_interval = 100 * sim::kMillisecond;
  double bandwidth_Bps = 1e9;  // the daemon's budget
};

// workload.movement: {"mode": "passive" | "proactive", "controller": "driver" | "daemon",
// "by": "frequency" | "ttl", "min_uses", "scan_interval", "bandwidth"}.
MovementSpec parse_movement(const ConfigNode& node);

class KvMovement {
 public:
  struct Rank {
    int32_t priority;
    int64_t value;
    uint64_t key;
    bool operator<(const Rank& o) const {
      if (priority != o.priority) return priority < o.priority;
      if (value != o.value) return value < o.value;
      return key < o.key;
    }
  };

  explicit KvMovement(const MovementSpec& spec) : spec_(spec) {}
  const MovementSpec& spec() const { return spec_; }

  // A load found `key`: one use more.
  uint32_t add_use(uint64_t key) { return ++uses_.find_or_insert(key, 0); }
  uint32_t uses(uint64_t key) const {
    const uint32_t* u = uses_.find(key);
    return u ? *u : 0;
  }
  void forget(uint64_t key);  // gone from the store

  // `key` is now (or again, with a new rank) an entry tier 2 holds and tier 1 does not;
  // ignored unless it qualifies (min_uses).
  void set_candidate(uint64_t key, const Rank& rank);
  void drop_candidate(uint64_t key);

  bool has_candidate() const { return !candidates_.empty(); }
  const Rank& best_candidate() const { return *candidates_.rbegin(); }

 private:
  MovementSpec spec_;
  sim::FlatMap<uint32_t> uses_;
  std::set<Rank> candidates_;
  sim::FlatMap<Rank> candidate_rank_;
};

}  // namespace tiersim::models
