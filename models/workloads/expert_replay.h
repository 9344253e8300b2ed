#pragma once
// MoE expert replay: a routing trace (steps, each with the experts every layer uses)
// replayed through the tier topology as a discrete-event simulation. Residency (see
// models/tiers/residency.h) decides each step's hits, misses and write-backs as a
// StepPlan; this class carries the plan out over the simulated links and times it:
//  - each miss is a chain of moves (write-backs to make room, then the fetch along its
//    path); with chunk_bytes set, a move over several links is split into chunks that
//    pipeline across them (chunk i crosses link 2 while chunk i+1 crosses link 1);
//  - `serial` runs a step's chains one after another, each layer's compute after its
//    transfers (seed 001's accounting); `pipelined` starts layer l+1's chains
//    (concurrently, as link channels allow) when layer l's compute starts;
//  - steps are barriers; stall = step time - compute time;
//  - at the end of a training run dirty objects are flushed to the backing store, timed
//    and counted separately.
#include <cstdint>
#include <vector>

#include "models/links/link.h"
#include "models/tiers/residency.h"
#include "models/tiers/step_plan.h"
#include "models/workloads/expert_replay_spec.h"
#include "sim/output/metrics.h"
#include "sim/stats/log_histogram.h"
#include "traces/trace_reader.h"

namespace sim {
class Simulator;
}

namespace tiersim::models {

class Topology;

class ExpertReplay {
 public:
  ExpertReplay(sim::Simulator& simulator, Topology& topology, const ExpertReplaySpec& spec, traces::TraceReader& trace);

  // Replays the whole trace (and the final flush); throws InputError on a step that does
  // not fit or a malformed trace.
  void run();

  uint64_t accesses() const { return accesses_; }
  // Every result of the run, in a fixed order (see README, "Results").
  Metrics metrics() const;

 private:
  static constexpr uint32_t kMaxHops = 8;  // a path crosses at most 7 links (8 tiers)

  struct ChainProgress {
    uint32_t next_move;
    uint32_t chunks;               // of the current move
    uint32_t done_at_last;         // chunks of the current move through its last link
    uint32_t forwarded[kMaxHops];  // chunks of the current move sent onto each link
  };
  struct PhaseProgress {
    uint32_t next_chain, pending;
    bool issued, ready;
  };

  bool load_step();
  void begin_plan();
  void end_plan();

  // pump() is the one place that advances execution: it runs, in a loop, everything that
  // can happen at the current time, so no input (a million layers, all hits) makes it
  // recurse; events only record progress and call pump() again.
  void pump();
  bool concurrent_chains() const { return pipelined_ && !flushing_; }
  void issue_phase(uint32_t phase);
  void start_chain(uint32_t chain);
  void start_move(uint32_t chain);
  uint64_t chunk_size(uint32_t chain, uint32_t chunk) const;
  static void on_hop_done(void* self, uint64_t argument);
  static void on_compute_done(void* self, uint64_t);

  sim::Simulator& simulator_;
  Topology& topology_;
  ExpertReplaySpec spec_;
  traces::TraceReader& trace_;
  Residency residency_;
  bool training_;
  bool pipelined_;

  std::vector<traces::Access> batch_;
  size_t batch_position_ = 0, batch_size_ = 0;
  std::vector<traces::Access> step_accesses_;
  const std::string source_;

  StepPlan plan_;
  std::vector<ChainProgress> chains_;
  std::vector<PhaseProgress> phases_;
  bool plan_active_ = false;
  bool flushing_ = false;
  bool finished_ = false;
  bool pumping_ = false;
  sim::Time plan_start_ = 0;
  uint32_t next_compute_ = 0;  // the phase whose compute runs next
  bool computing_ = false;

  uint64_t steps_ = 0, accesses_ = 0;
  sim::LogHistogram step_time_, step_stall_;
  sim::Time total_step_time_ = 0, total_stall_ = 0, total_compute_ = 0;

  // At the end of the last step, before the flush.
  sim::Time steps_end_ = 0;
  std::vector<LinkStats> link_stats_;
  std::vector<uint64_t> dirty_at_end_;
  std::vector<uint64_t> flush_objects_;  // per link: objects the flush moved over it
  sim::Time flush_end_ = 0;
};

}  // namespace tiersim::models
