#pragma once
// The KV-cache store replaying its API calls (models/workloads/kv_store/kv_store_spec.h)
// over the tier topology on the one residency engine. Each call happens at its time `t`:
//  - a block's key names its whole prefix in its namespace (as the kv_cache workload's);
//  - load: the prefix's blocks in order, each from the first tier that holds it; the first
//    block held nowhere ends what is loaded. A block found below tier 1 is refilled: a
//    `refill` message of its bytes along the fetch path, and a copy inserted into tier 1.
//    The load's latency runs from the call to the last refill's arrival (query_latency
//    first when anything is looked up below tier 1);
//  - store: the blocks tier 1 does not hold are inserted there (the data comes from the
//    caller); priority and ttl_s, when given, tag every block of the call;
//  - query: how long a prefix the store holds, from which tier; nothing moves and no
//    policy hears of it;
//  - delete: the blocks leave every tier;
//  - set_priority, set_ttl: retag the blocks the store holds (others are counted, ignored);
//  - evict_policy: the tier's policy within each priority is replaced from then on;
//  - eviction: the lowest priority first, the tier's policy within a priority
//    (models/policies/priority_levels.h). A victim of tier 1 that no tier below holds is
//    written down: an `evict` message of its bytes over the write-back link;
//  - movement (models/workloads/kv_store/kv_movement.h): what a driver or a daemon promotes
//    from tier 2 ahead of the loads, as background refills; a load that finds a block
//    still on its way waits for it;
//  - TTL: an entry tagged with ttl_s lives until call time + ttl_s; at that second it leaves
//    every tier (a call at exactly that time no longer finds it).
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "models/cache/cache_hierarchy.h"
#include "models/workloads/kv_store/kv_movement.h"
#include "models/workloads/kv_store/kv_store_spec.h"
#include "sim/containers/flat_map.h"
#include "sim/containers/index_pool.h"
#include "sim/output/metrics.h"
#include "sim/stats/log_histogram.h"
#include "traces/kv/api_trace.h"

namespace sim {
class Simulator;
}

namespace tiersim::models {

class Topology;
class PriorityLevels;

// What the store knows of an entry beyond where it is: its tags.
struct KvEntryTags {
  int32_t priority = 0;
  int64_t expiry = INT64_MAX;  // simulated picoseconds; INT64_MAX: no TTL
};

class KvStore final : private VictimRule, private MoveSink {
 public:
  // `tags` is the book the tiers' PriorityLevels read priorities from.
  KvStore(sim::Simulator& simulator, Topology& topology, const KvStoreSpec& spec, const traces::ApiTrace& calls,
          sim::FlatMap<KvEntryTags>& tags);
  void run();
  Metrics metrics() const;
  std::string histograms_csv() const;
  uint64_t block_lookups() const { return lookups_; }

 private:
  static void on_call(void* self, uint64_t index);
  static void on_hop_done(void* self, uint64_t move);
  void call(uint32_t index);
  void load(const traces::KvRequest& r);
  void store(const traces::KvRequest& r, const traces::ApiCall& c);
  void query(const traces::KvRequest& r);
  void erase(const traces::KvRequest& r);
  void retag(const traces::KvRequest& r, const traces::ApiCall& c);
  void switch_policy(const traces::PolicyCall& p);
  void expire_due();
  void remove_everywhere(uint64_t key);
  void tag(uint64_t key, const traces::ApiCall& c);
  uint64_t block_bytes(const traces::KvRequest& r, uint32_t b) const;
  uint64_t key_of(const traces::KvRequest& r, uint32_t b) const;
  PriorityLevels& levels(uint32_t tier);
  // A transfer of `bytes` along `path` (a fetch path; or the one link `single` when null),
  // hop by hop; the pending load `load` (>= 0) waits for it.
  void move(const std::vector<uint32_t>* path, uint32_t single, uint64_t bytes, int64_t load);
  void submit_hop(uint32_t m);
  void load_done(uint32_t load);
  // Movement control.
  static void on_scan(void* self, uint64_t);
  void scan();
  void promote(uint64_t key);  // a tier-2-only entry into tier 1, in the background
  bool make_room_for(const KvMovement::Rank& candidate, uint64_t bytes);
  KvMovement::Rank rank_of(uint64_t key) const;
  void entered_first_tier(uint64_t key);
  void left_first_tier(uint64_t key);
  void reranked(uint64_t key);

  void on_victim(uint32_t tier, const Evicted& victim) override;
  void move_down(uint32_t from, uint32_t to, uint64_t key, uint64_t bytes, bool demotion) override;

  sim::Simulator& simulator_;
  Topology& topology_;
  const KvStoreSpec& spec_;
  const traces::ApiTrace& calls_;
  sim::FlatMap<KvEntryTags>& tags_;
  int64_t now_ = 0;  // the policies' logical clock: one tick per admission
  CacheHierarchy hierarchy_;
  std::vector<uint64_t> bytes_per_token_;  // per shape

  struct Expiry {
    int64_t at;
    uint64_t key;
    bool operator>(const Expiry& o) const { return at != o.at ? at > o.at : key > o.key; }
  };
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> expiries_;

  struct Move {
    const uint32_t* path = nullptr;  // a fetch path of the topology; null: the one link `single`
    uint32_t single = 0;
    uint32_t hops = 0, next = 0;
    uint64_t bytes = 0;
    int64_t load = -1;
    bool promotion = false;
    uint64_t key = 0;                // a promotion's entry
    std::vector<uint32_t> waiters;   // loads that found a promotion still on its way
  };
  sim::IndexPool<Move> moves_;
  uint32_t last_move_ = 0;  // the move move() made last
  struct PendingLoad {
    sim::Time started = 0;
    uint32_t pending = 0;
  };
  sim::IndexPool<PendingLoad> loads_;

  // Counts.
  uint64_t op_counts_[traces::kApiOps] = {};
  uint64_t lookups_ = 0, load_blocks_ = 0, load_missed_ = 0, query_blocks_ = 0, query_held_ = 0;
  std::vector<uint64_t> load_found_;  // per tier: load blocks found there first
  uint64_t refills_ = 0, refill_bytes_ = 0, evicts_ = 0, evict_bytes_ = 0;
  uint64_t stored_blocks_ = 0, store_present_ = 0, deleted_ = 0, delete_absent_ = 0, retagged_ = 0, retag_absent_ = 0;
  uint64_t expired_ = 0, policy_switches_ = 0, dropped_ = 0;
  sim::LogHistogram load_latency_;
  std::unique_ptr<KvMovement> movement_;  // null when passive
  sim::FlatMap<uint32_t> in_flight_;      // promoted entry -> its move
  sim::FlatMap<uint8_t> promoted_;        // promoted, not yet loaded
  bool calls_done_ = false;
  uint64_t promotions_ = 0, promotion_bytes_ = 0, promoted_used_ = 0, promoted_wasted_ = 0, scans_ = 0, swaps_ = 0;
  uint64_t in_flight_blocks_ = 0;  // load blocks found in tier 1 while their promotion was on its way
  sim::Time last_call_ = 0;
};

}  // namespace tiersim::models
