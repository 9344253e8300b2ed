#pragma once
// MoE expert replay: a routing trace (steps, each with the experts every layer uses)
// replayed through the tier topology as a discrete-event simulation. Residency (see
// models/workloads/expert_replay/residency.h) decides each step's hits, misses and write-backs as a
// StepPlan; this class carries the plan out over the simulated links and times it:
//  - each miss is a chain of moves (write-backs to make room, then the fetch along its
//    path); with chunk_bytes set, a move over several links is split into chunks that
//    pipeline across them (chunk i crosses link 2 while chunk i+1 crosses link 1);
//  - `serial` runs a step's chains one after another, each layer's compute after its
//    transfers (the MoE prototype's accounting); `pipelined` starts layer l+1's chains
//    (concurrently, as link channels allow) when layer l's compute starts;
//  - steps are barriers; stall = step time - compute time;
//  - at the end of a training run dirty objects are flushed to the backing store, timed
//    and counted separately;
//  - with a prefetcher, its picks become background chains: issued with the last phase of
//    the step that predicted them (or with layer l, for next-layer prediction), at
//    background priority on every link, pinned in their target tier until they land.
//    Nothing waits for them, except a phase that needs an object still in flight (a
//    late prefetch): it waits for that chain.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "models/links/queueing_link.h"
#include "models/workloads/expert_replay/residency.h"
#include "models/workloads/expert_replay/step_plan.h"
#include "models/workloads/expert_replay/warm_tier.h"
#include "models/workloads/expert_replay/expert_replay_spec.h"
#include "models/workloads/expert_replay/training/cache_aware_router.h"
#include "models/workloads/expert_replay/training/training_step.h"
#include "models/prefetchers/i_prefetcher.h"
#include "models/prefetchers/prefetch_throttle.h"
#include "sim/containers/flat_map.h"
#include "sim/containers/index_pool.h"
#include "sim/output/metrics.h"
#include "sim/stats/log_histogram.h"
#include "traces/trace_reader.h"

namespace sim {
class Simulator;
}

namespace tiersim::models {

class Topology;

// Told what the replay does with the objects, for an executor that holds real data (the
// real backend checks a layer's experts when its compute starts and applies the training
// update there).
class ReplayObserver {
 public:
  virtual ~ReplayObserver() = default;
  // Layer compute starts: [begin, end) are its accesses, all present in tier 0 (a skipped
  // unavailable expert excepted). `update`: this compute updates them (a training step's
  // backward, or its layer when no training block splits forward from backward);
  // `compute`: how long the compute takes.
  virtual void on_compute(const traces::Access* begin, const traces::Access* end, bool update, sim::Time compute) = 0;
};

class ExpertReplay {
 public:
  ExpertReplay(sim::Simulator& simulator, Topology& topology, const ExpertReplaySpec& spec, traces::TraceReader& trace);

  // Replaces simulator.run() as what runs the events (the real backend's wall-clock loop);
  // it must return once no event is left.
  void set_event_loop(std::function<void()> loop) { event_loop_ = std::move(loop); }
  void set_observer(ReplayObserver* observer) { observer_ = observer; }

  // Replays the whole trace (and the final flush); throws InputError on a step that does
  // not fit or a malformed trace.
  void run();

  uint64_t accesses() const { return accesses_; }
  // Every result of the run, in a fixed order (docs/results.md lists every column).
  Metrics metrics() const;
  // Experts given up as unavailable, one line each (empty if none).
  std::string unavailable_log() const { return warm_ ? warm_->log() : std::string(); }
  // The time series (CSV with a header), empty unless workload.timeseries_interval is set.
  const std::string& timeseries_csv() const { return timeseries_; }
  // The step-time, move-latency and link-latency histograms' buckets (histograms.csv).
  std::string histograms_csv() const;

 private:
  struct ChainProgress {
    sim::Time move_started;
    uint32_t next_move;
    uint32_t chunks;               // of the current move
    uint32_t done_at_last;         // chunks of the current move through its last link
  };
  struct PhaseProgress {
    uint32_t next_chain, pending;
    bool issued, ready;
  };
  // A prefetch in flight: its own copy of its moves (it may outlive the plan).
  struct BackgroundChain {
    std::vector<PlannedMove> moves;
    std::vector<uint32_t> links;
    ChainProgress progress;
    uint64_t key;
    uint32_t target_tier, target_slot;
    std::vector<uint32_t> waiting_phases;  // of the current plan
    std::vector<uint32_t> waiting_chains;  // demand chains of the current plan that read what it stages
  };
  // A chain of the plan (foreground) or of the background pool.
  struct ChainRef {
    bool background;
    uint32_t index;
  };

  bool read_step(StepAccesses& step);
  bool load_step();
  void plan_prefetch_after_step();
  void plan_prefetch_after_layer(StepPlan& plan);
  void begin_plan();
  void end_plan();

  // pump() is the one place that advances execution: it runs, in a loop, everything that
  // can happen at the current time, so no input (a million layers, all hits) makes it
  // recurse; events only record progress and call pump() again.
  void pump();
  bool concurrent_chains() const { return pipelined_ && !flushing_; }
  void issue_phase(uint32_t phase);
  uint32_t next_demand_chain(uint32_t from, uint32_t end) const;
  void start_chain(uint32_t chain);
  // Turns demand move `move` of an object a prefetch is staging into a lower tier into one
  // that reads it from the prefetch's source (false when the move cannot: not a fetch out
  // of that tier).
  bool read_through_prefetch(uint32_t move, const BackgroundChain& bg);
  void launch_background(uint32_t chain);
  void complete_background(uint32_t index);
  void start_move(ChainRef chain);
  ChainProgress& progress(ChainRef chain);
  const PlannedMove& current_move(ChainRef chain);
  uint32_t link_of(ChainRef chain, const PlannedMove& move, uint32_t hop) const;
  uint64_t chunk_size(ChainRef chain, uint32_t chunk);
  static void on_hop_done(void* self, uint64_t argument);
  static void on_compute_done(void* self, uint64_t);

  sim::Simulator& simulator_;
  Topology& topology_;
  std::function<void()> event_loop_;
  ReplayObserver* observer_ = nullptr;
  ExpertReplaySpec spec_;
  traces::TraceReader& trace_;
  Residency residency_;
  bool training_;
  bool pipelined_;

  std::vector<traces::Access> batch_;
  size_t batch_position_ = 0, batch_size_ = 0;
  StepAccesses step_accesses_;
  std::deque<StepAccesses> upcoming_;  // read ahead: the prefetcher's lookahead
  std::vector<uint64_t> needed_soon_;  // the objects of upcoming_, while prefetches are planned
  std::vector<StepAccesses> spare_steps_;
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
  std::vector<sim::Time> phase_compute_;  // each phase's compute time
  sim::Time plan_compute_ = 0;            // their sum
  std::vector<uint64_t> layer_objects_;   // scratch: a layer's distinct experts
  // The roofline's compute of the plan's phase `phase`, for the experts it touches.
  sim::Time layer_compute(uint32_t phase);

  // The training loop (workload.training): its phases and compute, and cache-aware routing.
  std::unique_ptr<TrainingStep> training_step_;
  std::unique_ptr<CacheAwareRouter> router_;
  uint32_t backward_from_ = UINT32_MAX;  // where the current step's backward uses start
  StepAccesses forward_scratch_;         // the forward uses, for the prefetcher
  sim::Time optimizer_started_ = -1, optimizer_time_ = 0;
  void plan_training_step();
  sim::Time merged_compute();

  std::unique_ptr<WarmTier> warm_;
  std::unique_ptr<Prefetcher> prefetcher_;
  uint32_t prefetch_target_ = 0;
  uint64_t prefetch_budget_left_ = 0;  // of the step being decided
  sim::Time last_step_time_ = 0;
  std::vector<uint64_t> wanted_;
  sim::IndexPool<BackgroundChain> background_;
  sim::FlatMap<uint32_t> in_flight_;  // object -> background chain staging it
  uint64_t prefetch_late_ = 0;
  std::optional<PrefetchThrottle> throttle_;  // online prefetchers, unless "throttle": "none"
  // The bytes this step's picks may take: the budget left, cut to what the throttle lets
  // the step issue.
  uint64_t throttled_budget() const;

  // Telemetry: latency of every move by kind, and the periodic time series.
  sim::LogHistogram move_latency_[kMoveKinds];
  std::string timeseries_;
  uint64_t timeseries_rows_ = 0;
  void begin_timeseries();
  void check_timeseries_rows() const;
  void sample_timeseries();
  static void on_sample(void* self, uint64_t);

  uint64_t steps_ = 0, accesses_ = 0;
  sim::LogHistogram step_time_, step_stall_;
  sim::Time total_step_time_ = 0, total_stall_ = 0, total_compute_ = 0;

  // At the end of the last step, before the flush.
  sim::Time steps_end_ = 0;
  std::vector<LinkStats> link_stats_;
  std::vector<LinkTotals> codec_totals_;  // the store's encoder and decoder at the end of the steps
  std::vector<uint64_t> dirty_at_end_;
  std::vector<uint64_t> flush_objects_;  // per link: objects the flush moved over it
  sim::Time flush_end_ = 0;
};

}  // namespace tiersim::models
