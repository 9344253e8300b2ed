#pragma once
// MoE expert replay: a routing trace (steps, each with the experts every layer uses)
// replayed through the tier topology as a discrete-event simulation.
//
// Residency (decided per step, in trace order, so counters never depend on timing):
//  - an object is (layer, expert); a tier-0 hit makes it most recent;
//  - a tier-0 miss first makes room in tier 0 (evicting the policy's victim among objects
//    not used in the current step), then looks for the object tier by tier; a hit at
//    tier j makes it most recent there; the object is then staged up the fetch path,
//    being inserted into each intermediate tier it passes (which may evict);
//  - a dirty victim is written into the tier below, as most recent (updating the copy
//    there or inserting it, which may evict); a clean victim is dropped;
//  - in training mode every object used in a step is dirty in tier 0 from the end of it;
//  - a step needing more distinct objects than tier 0 holds is an error.
// Timing: each miss is a chain of moves (write-backs to make room, then the fetch along
// its path); `serial` runs a step's chains one after another, each layer's compute after
// its transfers; `pipelined` starts layer l+1's chains (concurrently, as links allow) when
// layer l's compute starts. With chunk_bytes set, a move over several links is split into
// chunks that pipeline across them (chunk i crosses link 2 while chunk i+1 crosses link 1). Steps are barriers. At the end of a training run dirty
// objects are flushed to the backing store, timed and counted separately.
#include <cstdint>
#include <vector>

#include "models/workloads/expert_replay_spec.h"
#include "models/links/link.h"
#include "sim/output/metrics.h"
#include "sim/stats/log_histogram.h"
#include "traces/trace_reader.h"

namespace sim {
class Simulator;
}

namespace tiersim::models {

class Topology;
struct Evicted;

class ExpertReplay {
 public:
  ExpertReplay(sim::Simulator& simulator, Topology& topology, const ExpertReplaySpec& spec, traces::TraceReader& trace);

  // Replays the whole trace (and the final flush); throws InputError on a step that does
  // not fit or a malformed trace.
  void run();

  uint64_t accesses() const { return accesses_; }
  // Every result of the run, in a fixed order (see docs in README).
  Metrics metrics() const;

 private:
  static constexpr uint32_t kMaxHops = 8;  // a path crosses at most 7 links (8 tiers)

  struct Hop {
    uint32_t link;
    uint64_t bytes;
  };
  struct Move {  // one object crossing one or more consecutive links
    uint32_t first_link;  // into move_links_
    uint32_t hops;
    uint64_t bytes;
  };
  struct Chain {  // one miss: its moves run one after another
    uint32_t first_move, end_move, next_move, phase;
    uint32_t chunks;        // of the current move
    uint32_t done_at_last;  // chunks of the current move through its last hop
    uint32_t forwarded[kMaxHops];  // chunks of the current move sent to each hop
  };
  struct Phase {  // a run of accesses of one layer: transfers, then that layer's compute
    uint32_t first_chain, end_chain, next_chain, pending;
    bool issued, ready;
  };

  // Residency decisions.
  bool load_step();
  void decide_step();
  void access(uint64_t key);
  void make_room(uint32_t tier, bool protect_current_step);
  void write_back(uint32_t tier, const Evicted& victim);
  // Adds a move over `hops` consecutive links to the current chain.
  void emit_move(const uint32_t* links, uint32_t hops, uint64_t bytes);
  [[noreturn]] void fail_step_does_not_fit() const;

  // Timing. pump() is the one place that advances a step: it runs, in a loop, everything
  // that can happen at the current time, so no input (a million layers, all hits) can
  // make it recurse; events only record progress and call pump() again.
  void pump();
  void issue_phase(uint32_t phase);
  void start_chain(uint32_t chain);
  void start_move(uint32_t chain);
  uint64_t chunk_size(const Chain& chain, uint32_t chunk) const;
  void end_step();
  static void on_hop_done(void* self, uint64_t chain);
  static void on_compute_done(void* self, uint64_t);

  // End of run.
  void finish();
  void flush_dirty_objects();
  static void on_flush_hop_done(void* self, uint64_t);

  sim::Simulator& simulator_;
  Topology& topology_;
  ExpertReplaySpec spec_;
  traces::TraceReader& trace_;
  bool training_;
  bool pipelined_;

  std::vector<traces::Access> batch_;
  size_t batch_position_ = 0, batch_size_ = 0;
  std::vector<traces::Access> step_accesses_;
  uint32_t step_stamp_ = 0;
  uint64_t current_step_ = 0;
  std::vector<uint32_t> used_slots_;  // tier-0 slots used by this step (training)
  std::vector<uint32_t> move_links_;
  std::vector<Move> moves_;
  std::vector<Chain> chains_;
  std::vector<Phase> phases_;

  sim::Time step_start_ = 0, compute_free_at_ = 0;
  uint32_t next_compute_ = 0;  // the phase whose compute runs next
  bool computing_ = false;
  bool step_active_ = false;
  bool pumping_ = false;

  uint64_t steps_ = 0, accesses_ = 0;
  sim::LogHistogram step_time_, step_stall_;
  sim::Time total_step_time_ = 0, total_stall_ = 0, total_compute_ = 0;

  // Snapshot at the end of the last step (before the flush).
  sim::Time steps_end_ = 0;
  std::vector<LinkStats> link_stats_;
  std::vector<uint64_t> dirty_at_end_;
  std::vector<Hop> flush_hops_;
  size_t flush_next_ = 0;
  sim::Time flush_start_ = 0, flush_end_ = 0;
  std::vector<uint64_t> flush_ops_;  // per link
  bool finished_ = false;
};

}  // namespace tiersim::models
