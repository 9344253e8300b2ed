#pragma once
// The one residency engine every workload uses: the tiers one worker sees, fastest first,
// and the steps that move objects between them as the tiers' policies decide.
//  - admit: make room in a tier (victims leave by its policy, each handed to the
//    workload's VictimRule), then insert;
//  - write down: a victim of tier t is written into tier t + 1 (a copy there is written
//    over; else room is made there, its own victims following the same rule). A dirty
//    object that finds every slot below pinned passes through to the next tier down; a
//    clean one is dropped. Into a backing store that holds everything (the weights of an
//    expert replay) a write always lands; a store that holds only what was written (KV
//    chunks) is a tier like the others, of unlimited size;
//  - demote: a clean victim copied into the tier below (a victim cache), dropped when
//    no room can be made.
// Every step counts itself in its tiers and reports each move to the workload's MoveSink,
// which turns it into a transfer over the link between the two tiers.
#include <cstdint>
#include <vector>

#include "models/cache/tier.h"

namespace tiersim::models {

// What happens to a victim of tier `tier` (write it down, demote it, drop it): the
// workload's rule, which calls back into the hierarchy.
class VictimRule {
 public:
  virtual ~VictimRule() = default;
  virtual void on_victim(uint32_t tier, const Evicted& victim) = 0;
};

// An object crossing from tier `from` to tier `to` (= from + 1): a write-down or a demotion.
class MoveSink {
 public:
  virtual ~MoveSink() = default;
  virtual void move_down(uint32_t from, uint32_t to, uint64_t key, uint64_t bytes, bool demotion) = 0;
};

// The policies' logical time: a fixed "now" for the decisions of one access (expert
// replay), or one tick per object admitted (KV serving).
struct LogicalClock {
  int64_t* now;
  bool tick_per_admit;
  int64_t take() { return tick_per_admit ? (*now)++ : *now; }
};

class CacheHierarchy {
 public:
  // `store_holds_everything`: the last tier is the backing store of every object.
  CacheHierarchy(std::vector<Tier*> tiers, bool store_holds_everything, VictimRule& victims, MoveSink& moves,
                 LogicalClock clock);

  uint32_t size() const { return static_cast<uint32_t>(tiers_.size()); }
  Tier& tier(uint32_t t) const { return *tiers_[t]; }
  bool is_store(uint32_t t) const { return t + 1 == tiers_.size(); }

  // Makes room for `key` in tier `t` (sparing what `guard` protects) and inserts it;
  // kNoSlot when it can never fit there or everything in the way is protected.
  Slot admit(uint32_t t, uint64_t key, uint64_t bytes, const EvictionGuard& guard, int64_t next_access = kNever);
  // The first half of admit, for a workload that inserts later (after staging below).
  bool make_room(uint32_t t, uint64_t key, uint64_t bytes, const EvictionGuard& guard, int64_t now, int64_t next_access = kNever);

  // Holds `bytes` of tier `t`'s byte capacity for something other than objects, evicting
  // (sparing what `guard` protects) until the residents fit in the rest.
  bool reserve(uint32_t t, uint64_t bytes, const EvictionGuard& guard);

  // Writes a victim of tier `from` into the tier below (see above); its copy there is
  // dirty when the victim was.
  void write_down(uint32_t from, const Evicted& victim);
  // Copies a clean victim of tier `from` into the tier below; false when it was dropped.
  bool demote(uint32_t from, const Evicted& victim);

  // Whether any tier below `tier` holds `key`.
  bool held_below(uint32_t tier, uint64_t key) const;
  // Whether tier `tier` or any above it holds `key`.
  bool held_at_or_above(uint32_t tier, uint64_t key) const;

  int64_t now() const { return *clock_.now; }

 private:
  // The second half of write_down: the victim arriving in tier `to`.
  void write_into(uint32_t to, const Evicted& victim);

  std::vector<Tier*> tiers_;
  bool store_holds_everything_;
  VictimRule& victims_;
  MoveSink& moves_;
  LogicalClock clock_;
};

}  // namespace tiersim::models
