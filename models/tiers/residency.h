#pragma once
// Where objects live, decided access by access in trace order (never by timing):
//  - a tier-0 hit makes the object most recent;
//  - a tier-0 miss first makes room in tier 0 (evicting the policy's victim among objects
//    not used in the current step), then looks for the object tier by tier; a hit at
//    tier j makes it most recent there; the object is then staged up the fetch path,
//    being inserted into each intermediate tier it passes (which may evict);
//  - a dirty victim is written into the tier below, as most recent (updating the copy
//    there or inserting it, which may evict); a clean victim is dropped;
//  - in training mode every object used in a step is dirty in tier 0 from the end of it;
//  - a step needing more distinct objects than tier 0 holds is an error.
// Each step's decisions come out as a StepPlan of the transfers they need.
#include <cstdint>
#include <string>
#include <vector>

#include "models/policies/i_eviction_policy.h"
#include "models/tiers/step_plan.h"
#include "traces/access.h"

namespace tiersim::models {

class Topology;
struct Evicted;

class Residency {
 public:
  Residency(Topology& topology, uint64_t object_bytes, bool training);

  // Decides one step (all accesses share a step number) and fills `plan`. Throws
  // InputError, naming `source`, if the step needs more distinct objects than tier 0 holds.
  void plan_step(const std::vector<traces::Access>& accesses, StepPlan& plan, const std::string& source);

  // The final flush: every dirty object written down to the backing store once, from its
  // highest dirty copy (one chain per object, in a deterministic order); afterwards
  // nothing is dirty. `dirty_per_tier` receives the dirty objects each tier held.
  void plan_flush(StepPlan& plan, std::vector<uint64_t>& dirty_per_tier);

 private:
  void access(const traces::Access& access, StepPlan& plan);
  // The object's slot in the tier, kNoSlot if absent; an expired copy is removed first.
  Slot find_live(uint32_t tier, uint64_t key, StepPlan& plan);
  void make_room(uint32_t tier, bool protect_current_step, StepPlan& plan);
  void write_back(uint32_t tier, const Evicted& victim, StepPlan& plan);
  // Thrown by make_room() when every object in tier 0 belongs to the current step;
  // plan_step() turns it into an InputError that names the step.
  struct StepDoesNotFit {};

  Topology& topology_;
  uint64_t object_bytes_;
  bool training_;
  uint32_t step_stamp_ = 0;
  int64_t now_ = 0;  // accesses decided so far: the policies' logical time
  std::vector<uint32_t> used_slots_;  // tier-0 slots used by this step (training)
};

}  // namespace tiersim::models
