#pragma once
// The warm-tier staging protocol (config key "workload.warm_tier"), for a hierarchy
// whose tier 0 is the hot tier (HBM) and tier 1 the warm tier (pinned DRAM):
//  - staging: a router miss stages the expert into the warm tier on its way up (demand);
//    prefetchers stage into it when their target is the warm tier;
//  - promotion: an expert enters the hot tier only when its activation frequency reaches
//    `promotion.threshold`: counted over the last `promotion.window` steps, or decayed
//    with `promotion.half_life` steps. Otherwise it is served from the warm tier for that
//    use without taking a hot slot (a transient transfer into HBM; in training its update
//    is written straight back to the warm copy);
//  - demotion: hot victims are kept in the warm tier (clean ones too, `demote`), where
//    they age out by the warm tier's policy; dirty warm victims are written to the tier
//    below;
//  - metadata per staged expert: placement hint (hot or warm), size, last access, priority
//    score (decayed activation frequency), version; experts in flight are pinned;
//  - versions: every `versions.publish_every` steps, `versions.experts` experts (drawn
//    from those seen so far) get a new version on the backing store; a stale clean warm
//    copy is detected before it is promoted or served, and re-read;
//  - integrity: a read out of tier t is corrupted with probability
//    `integrity.corrupt_probability.<t>`; it is retried up to `integrity.retries` times,
//    then read from each of `integrity.replicas` shards on the `integrity.replica` tier in
//    turn (each read may be corrupted with that tier's probability), else the expert is
//    unavailable and logged; `integrity.on_unavailable` says
//    what steps do: "skip" (run without it from then on), "wait" (keep retrying until a
//    read succeeds) or "fail" (stop the run).
// Decisions are made in trace order with a seeded random stream, so runs are reproducible.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/containers/flat_map.h"
#include "sim/engine/random.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

class Topology;

struct WarmTierSpec {
  bool enabled = false;
  double threshold = 1.0;    // activations needed for promotion
  uint64_t window = 0;       // steps (window counting) ...
  double half_life = 0.0;    // ... or decay half life in steps
  bool demote = true;
  uint64_t publish_every = 0;  // steps; 0: versions never change
  uint64_t publish_experts = 1;
  std::vector<double> corrupt_probability;  // per tier, filled by resolve()
  std::vector<std::pair<std::string, double>> corrupt_by_name;
  uint32_t retries = 0;
  std::string replica;  // tier name, empty: none
  uint32_t replicas = 1;  // replica shards there, tried in turn
  uint32_t replica_tier = UINT32_MAX;
  enum class OnUnavailable { kSkip, kWait, kFail } on_unavailable = OnUnavailable::kSkip;
  std::string path;  // where it was configured, for errors
};

WarmTierSpec parse_warm_tier(const ConfigNode& node);

class WarmTier {
 public:
  // Checks the spec against the topology (tier names, links); throws InputError.
  WarmTier(const WarmTierSpec& spec, const Topology& topology, uint64_t seed);

  const WarmTierSpec& spec() const { return spec_; }

  // Records an activation of `key` at `step`; returns whether it is now hot enough.
  bool activate(uint64_t key, uint64_t step);
  // Publishes new versions when a step begins (every publish_every steps).
  void begin_step(uint64_t step);
  // The backing store's version of `key`, and the version of its warm copy.
  uint64_t disk_version(uint64_t key) const;
  void set_warm_version(uint64_t key, uint64_t version);
  uint64_t warm_version(uint64_t key) const;
  void set_hint(uint64_t key, bool hot);

  bool reads_can_fail() const {
    for (double p : spec_.corrupt_probability)
      if (p > 0) return true;
    return false;
  }
  // Whether a read out of `tier` comes back corrupted (draws from the run's stream).
  bool corrupted_read(uint32_t tier);
  bool unavailable(uint64_t key) const { return unavailable_.find(key) != nullptr; }
  void mark_unavailable(uint64_t key, uint64_t step, uint32_t layer, uint32_t expert);
  const std::string& log() const { return log_; }

  struct Counts {
    uint64_t promotions = 0, served = 0, demotions = 0, stagings = 0;
    uint64_t versions_published = 0, stale_detected = 0;
    uint64_t corrupted_reads = 0, retries = 0, replica_reads = 0;
    uint64_t unavailable_experts = 0, skipped_accesses = 0, waits = 0;
  };
  Counts counts;

 private:
  struct Meta {
    uint64_t last_access_step = 0;
    double score = 0.0;  // decayed activation frequency (the priority score)
    uint64_t disk_version = 0, warm_version = 0;
    bool hint_hot = false;
    uint32_t ring_next = 0;
    std::vector<uint64_t> recent_steps;  // window counting: the last `threshold` use steps
  };
  Meta& meta(uint64_t key);

  WarmTierSpec spec_;
  sim::Rng rng_;
  sim::FlatMap<uint32_t> index_;
  std::vector<Meta> meta_;
  std::vector<uint64_t> keys_;  // in order of first sight
  sim::FlatMap<uint8_t> unavailable_;
  std::string log_;
};

}  // namespace tiersim::models
