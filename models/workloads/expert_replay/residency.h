#pragma once
// Where objects live, decided access by access in trace order (never by timing). Inclusive
// (the default, as the MoE prototype):
//  - a tier-0 hit makes the object most recent;
//  - a tier-0 miss first makes room in tier 0 (evicting the policy's victim among objects
//    not used in the current step), then looks for the object tier by tier; a hit at
//    tier j makes it most recent there; the object is then staged up the fetch path,
//    being inserted into each intermediate tier it passes (which may evict);
//  - a dirty victim is written into the tier below, as most recent (updating the copy
//    there or inserting it, which may evict); a clean victim is dropped;
//  - in training mode every object used in a step is dirty in tier 0 from the end of it;
//  - a step needing more distinct objects than tier 0 holds is an error.
// Exclusive ("inclusion": "exclusive"): an object is in one cache tier at a time. A hit
// below tier 0 moves the object up, out of the tier that held it, before room is made in
// tier 0; no copy is left on the way; every victim of a cache tier moves into the tier
// below it (demoted, a victim cache; a dirty one written), the last cache tier's clean
// victims are dropped. With LRU everywhere a two-tier exclusive pair of a and b slots is
// one LRU list of a + b.
// "protect": "accessed" (default) spares from eviction the step's objects already accessed
// in it; "step" spares all of them (those resident in tier 0 when the step starts too).
// Each step's decisions come out as a StepPlan of the transfers they need.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/cache/cache_hierarchy.h"
#include "models/policies/i_eviction_policy.h"
#include "models/workloads/expert_replay/step_plan.h"
#include "sim/containers/flat_map.h"
#include "traces/access.h"

namespace tiersim::models {

class Topology;
class WarmTier;

// The expert replay's decisions on the one residency engine (models/cache/cache_hierarchy.h):
// its victim rule (dirty victims are written down, clean hot ones demoted under the
// warm-tier protocol) and the moves it plans.
class Residency final : private VictimRule, private MoveSink {
 public:
  Residency(Topology& topology, uint64_t object_bytes, bool training);

  // Decides one step (all accesses share a step number) and fills `plan`. Throws
  // InputError, naming `source`, if the step needs more distinct objects than tier 0 holds.
  // Accesses from `backward_from` on are a training step's backward uses (evict-safe): one
  // found in tier 0 costs nothing, one evicted since its forward is reloaded (a miss whose
  // fetch is a kReload move); either is updated (dirty) there.
  void plan_step(const std::vector<traces::Access>& accesses, StepPlan& plan, const std::string& source,
                 uint32_t backward_from = UINT32_MAX);

  // Evict-safe backward: each access is its own phase and only the object in use is spared
  // from eviction, so a step may use more distinct objects than tier 0 holds; a use is
  // dirty from its backward on.
  void set_evict_safe(bool on) { evict_safe_ = on; }

  // Bytes of tier 0 the coming steps hold for themselves (a training step's activations and
  // gradients), when its capacity is in bytes: from the next plan_step() on, the experts get
  // what is left, and residents beyond it are evicted (written down when dirty) in the
  // step's first phase before anything else.
  void set_first_tier_reserve(uint64_t bytes) { reserve_ = bytes; }

  // Stages `keys` (most wanted first) into tier `target` as background chains of the plan's
  // last phase, each pinned in the target until its chain completes, within `budget`
  // bytes. Keys already at or above the target are skipped; eviction spares the current
  // step's objects and pinned ones. Returns the bytes planned.
  // `keep`, when given, are objects needed before any prefetched one would be (the coming
  // steps an oracle reads): no prefetch evicts them from any tier.
  uint64_t plan_prefetch(const std::vector<uint64_t>& keys, uint32_t target, uint64_t budget, StepPlan& plan,
                         const std::vector<uint64_t>* keep = nullptr);

  // Checks, after every step, that every modified object is still dirty in some tier or
  // has reached the backing store (no dirty data dropped); throws std::logic_error if not.
  // Costs a pass over the modified objects per step: for tests and debugging.
  void set_check_invariants(bool on) { check_invariants_ = on; }

  // "protect": "step": all of a step's objects are spared from eviction during it, not only
  // those it has accessed so far.
  void set_protect_step(bool on) { protect_step_ = on; }

  // Runs the warm-tier protocol (models/workloads/expert_replay/warm_tier.h) over tiers 0 and 1.
  void set_warm_tier(WarmTier* warm) { warm_ = warm; }

  // Called by plan_step() when a layer's accesses are decided, before the next layer's
  // (the plan's last phase is that layer): lets next-layer prefetching plan there.
  void set_layer_hook(std::function<void(StepPlan&)> hook) { on_layer_decided_ = std::move(hook); }

  // A prefetch into tier `tier` (below the first) landed in `slot`: an oracle's stays pinned
  // there until demand uses it, so that nothing evicts it before the step it was fetched
  // for. False (the caller unpins) when demand has used it already.
  bool hold_until_used(uint32_t tier, Slot slot);

  struct PrefetchCounts {
    uint64_t issued = 0;  // objects staged
    uint64_t bytes = 0;   // bytes moved, summed over links
    uint64_t used = 0;    // staged objects a demand access found (before or on arrival)
    uint64_t wasted = 0;  // staged objects evicted before any demand access
    // Demand accesses that missed a tier because a prefetch had evicted the object from
    // it (and nothing brought it back before): the misses prefetching caused.
    uint64_t polluted = 0;
  };
  const PrefetchCounts& prefetch_counts() const { return prefetch_; }
  // Staged objects not used and still resident.
  uint64_t prefetched_unused() const {
    uint64_t n = 0;
    for (const auto& tier : prefetched_)
      for (uint8_t f : tier) n += f;
    return n;
  }

  // The final flush: every dirty object written down to the backing store once, from its
  // highest dirty copy (one chain per object, in a deterministic order); afterwards
  // nothing is dirty. `dirty_per_tier` receives the dirty objects each tier held.
  void plan_flush(StepPlan& plan, std::vector<uint64_t>& dirty_per_tier);

 private:
  void access(const traces::Access& access, StepPlan& plan);
  void backward_access(const traces::Access& access, StepPlan& plan);
  void mark_used_dirty();
  // The object's slot in the tier, kNoSlot if absent, counting the lookup; an expired copy
  // leaves first (a dirty one written down).
  Slot lookup(uint32_t tier, uint64_t key, int64_t next_access);
  // Room in tier `tier` for one more object, sparing the current step's when asked.
  bool make_room(uint32_t tier, uint64_t key, bool protect_current_step, int64_t next_access = kNever);
  // Leaves a copy in the tier the object passes through (none when all there is pinned).
  void stage_copy(uint32_t tier, uint64_t key, int64_t next_access);
  bool read_hop(uint32_t link, MoveKind kind, uint64_t key, const traces::Access& access, StepPlan& plan);
  void note_demand_hit(uint32_t tier, Slot slot);
  void drop_prefetch_mark(uint32_t tier, Slot slot);
  void on_victim(uint32_t tier, const Evicted& victim) override;
  void move_down(uint32_t from, uint32_t to, uint64_t key, uint64_t bytes, bool demotion) override;
  // Thrown when every object in tier 0 belongs to the current step; plan_step() turns it
  // into an InputError that names the step.
  struct StepDoesNotFit {};

  // The tier below tier 0 that holds the object first (the backing tier when none does),
  // counting the lookups.
  uint32_t find_source(uint64_t key, int64_t next);
  // Exclusive hierarchy: removes the object from `tier` as it moves up (unless pinned, in
  // flight there); returns whether that copy was dirty.
  bool take(uint32_t tier, uint64_t key);

  // A use found in tier `tier` told to the tiers below it that ask for it
  // ("refresh_on_hit_above"), where they hold a copy.
  void refresh_below(uint32_t tier, uint64_t key, int64_t next);

  Topology& topology_;
  bool exclusive_;      // an object is in one cache tier at a time (config "inclusion")
  bool refresh_below_;  // some tier's policy hears of hits above it
  CacheHierarchy hierarchy_;
  StepPlan* plan_ = nullptr;  // the plan being decided, which the moves go into
  uint64_t object_bytes_;
  bool training_;
  uint32_t step_stamp_ = 0;
  int64_t now_ = 0;  // accesses decided so far: the policies' logical time
  std::function<void(StepPlan&)> on_layer_decided_;
  WarmTier* warm_ = nullptr;
  bool check_invariants_ = false;
  bool protect_step_ = false;
  bool evict_safe_ = false;
  uint64_t reserve_ = 0;  // set_first_tier_reserve()
  void apply_reserve(StepPlan& plan);
  // What tier 0 holds for experts, in objects, for errors.
  uint64_t first_tier_objects() const;
  uint64_t largest_step_ = 0;  // most accesses in one step so far
  uint64_t largest_layer_ = 0;  // most accesses in one layer of a step so far
  // Whether a prefetch into a first tier partitioned by layer would leave `key`'s layer
  // too few unpinned slots for a layer of demand.
  bool part_too_pinned(uint64_t key) const;
  sim::FlatMap<uint8_t> unsaved_;  // modified objects not yet written to the backing store
  void note_modified(uint64_t key) {
    if (check_invariants_) unsaved_.find_or_insert(key, 1);
  }
  void note_saved(uint64_t key) {
    if (check_invariants_) unsaved_.erase(key);
  }
  void verify_no_dirty_dropped() const;
  uint64_t plan_prefetch_moves(const std::vector<uint64_t>& keys, uint32_t target, uint64_t budget, StepPlan& plan);

  // A demand access of `key`, found first in tier `source`: settles whether a prefetch's
  // eviction of it cost a miss.
  void note_demand_source(uint64_t key, uint32_t source) {
    if (prefetch_victims_.empty()) return;
    if (const uint32_t* tier = prefetch_victims_.find(key)) {
      if (source > *tier) ++prefetch_.polluted;
      prefetch_victims_.erase(key);
    }
  }
  bool prefetching_ = false;              // victims now are a prefetch's
  sim::FlatMap<uint32_t> prefetch_victims_;  // object -> the tier a prefetch evicted it from
  std::vector<std::vector<uint8_t>> prefetched_;  // [tier][slot]: staged, not yet used
  std::vector<std::vector<uint8_t>> held_;        // [tier][slot]: an oracle's, pinned until used
  std::vector<std::pair<uint32_t, Slot>> kept_pins_;  // (tier, slot) pinned while prefetches are planned
  uint64_t kept_in_first_tier_ = 0;                   // of them, first-tier objects pinned only by that
  PrefetchCounts prefetch_;
  std::vector<uint32_t> used_slots_;  // tier-0 slots used by this step (training)
};

}  // namespace tiersim::models
