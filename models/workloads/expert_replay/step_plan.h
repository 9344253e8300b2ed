#pragma once
// What one step must move, as decided by Residency and carried out by an executor (the
// simulated links, or later real copies): phases (runs of one layer's accesses, each
// followed by that layer's compute), chains (one miss each, its moves in order) and moves
// (one object crossing one or more consecutive links). Background chains (prefetches) are
// issued with their phase but nothing waits for them, and they may outlive the step.
#include <cstdint>
#include <vector>

namespace tiersim::models {

// Why an object moves: telemetry reports a latency histogram per kind.
enum class MoveKind : uint8_t {
  kFetch,      // demand: up to the first tier
  kWriteback,  // a dirty victim to the tier below
  kPrefetch,   // staged ahead of demand
  kPromote,    // warm tier -> hot tier, promoted
  kServe,      // warm tier -> hot tier for one use, not promoted (transient)
  kDemote,     // a clean hot victim kept in the warm tier
  kRetry,      // a corrupted read read again
  kReplica,    // read from the replica after the retries failed
  kReread,     // a stale warm copy replaced by the newer version
  kFlush,      // end of run: dirty objects to the backing store
  kReload,     // training, evict-safe: an expert evicted after its forward, read again for its backward
  kOptimizer,  // training: gradients, optimizer state or updated weights of an offloaded optimizer
};
inline constexpr uint32_t kMoveKinds = 12;
inline constexpr uint32_t kFirstTrainingMoveKind = 10;  // the kinds only a training block makes
inline const char* move_kind_name(MoveKind kind) {
  static const char* const names[kMoveKinds] = {"fetch", "writeback", "prefetch", "promote", "serve", "demote",
                                                "retry", "replica", "reread", "flush", "reload", "optimizer"};
  return names[static_cast<uint32_t>(kind)];
}

struct PlannedMove {
  uint32_t first_link;  // into StepPlan::links
  uint32_t hops;
  uint64_t bytes;
  uint64_t key;         // the object moved
  MoveKind kind;
};

inline constexpr uint32_t kNoTarget = UINT32_MAX;

struct PlannedChain {
  uint32_t first_move, end_move;
  uint32_t phase;
  bool background = false;
  // Background chains stage `key` into `target_tier`, where it holds slot `target_slot`,
  // pinned until the chain completes (kNoTarget: the chain only writes back victims).
  uint64_t key = 0;
  uint32_t target_tier = 0;
  uint32_t target_slot = 0;
};

// What a phase's compute is: a layer's (or, evict-safe, one expert's) forward, its
// backward (training), or the optimizer's update (its transfers the phase's chains).
enum class PhaseKind : uint8_t { kForward, kBackward, kOptimizer, kOptimizerUpload };

struct PlannedPhase {
  uint32_t layer;
  uint32_t first_chain, end_chain;
  uint32_t first_access, end_access;  // the step's accesses this phase serves
  PhaseKind kind = PhaseKind::kForward;
};

struct StepPlan {
  uint64_t step = 0;
  std::vector<uint32_t> links;  // the links of all moves, in order
  std::vector<PlannedMove> moves;
  std::vector<PlannedChain> chains;
  std::vector<PlannedPhase> phases;

  void clear() {
    links.clear();
    moves.clear();
    chains.clear();
    phases.clear();
  }
  void begin_phase(uint32_t layer, uint32_t first_access = 0, PhaseKind kind = PhaseKind::kForward) {
    const uint32_t next = static_cast<uint32_t>(chains.size());
    phases.push_back(PlannedPhase{layer, next, next, first_access, first_access, kind});
  }
  void begin_chain() {
    const uint32_t next = static_cast<uint32_t>(moves.size());
    chains.push_back(PlannedChain{next, next, static_cast<uint32_t>(phases.size() - 1)});
    phases.back().end_chain = static_cast<uint32_t>(chains.size());
  }
  void begin_background_chain(uint64_t key, uint32_t target_tier) {
    begin_chain();
    chains.back().background = true;
    chains.back().key = key;
    chains.back().target_tier = target_tier;
  }
  void add_move(const uint32_t* path, uint32_t hops, uint64_t bytes, uint64_t key, MoveKind kind = MoveKind::kFetch) {
    moves.push_back(PlannedMove{static_cast<uint32_t>(links.size()), hops, bytes, key, kind});
    links.insert(links.end(), path, path + hops);
    chains.back().end_move = static_cast<uint32_t>(moves.size());
  }
};

}  // namespace tiersim::models
