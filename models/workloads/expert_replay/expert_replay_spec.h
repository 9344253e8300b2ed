#pragma once
// The configuration of an MoE expert replay (config key "workload"):
//   type             "expert_replay"
//   mode             "inference" | "training" (objects used in a step become dirty)
//   overlap          "serial" (transfers, then compute, one after another: the MoE
//                    prototype's accounting) | "pipelined" (layer l+1's experts load while layer l
//                    computes, limited by link channels)
//   compute_per_layer  duration of one layer's compute, hand-set ("0 us" by default); it
//                    overrides the roofline below
//   model, gpu       compute from the model's shape (models/compute/model_shape.h) on a GPU
//                    (models/compute/gpu_profile.h): each layer of the trace is one MoE
//                    layer of the model, timed by models/compute/roofline.h with the
//                    distinct experts the layer's accesses touch; the model's leading
//                    dense layers are added to each step's first layer; in training mode a
//                    layer takes three times its forward (the backward computes the
//                    gradients of inputs and weights)
//   batch_tokens     tokens a step processes (default 1): decode sequences, or a prefill's
//   stage            "decode" (default: batch_tokens sequences, one new token each, each
//                    attending to context_tokens) | "prefill" (batch_tokens new tokens of
//                    one sequence after context_tokens cached ones)
//   context_tokens   the context each token attends to (default 0)
//   expert_bytes     size of one expert (a number of bytes or "512 KiB"; default, with a
//                    model: its gate, up and down projections)
//   chunk_bytes      split objects that cross several links into chunks of this size so
//                    the links pipeline ("4 MiB"; 0, the default, moves whole objects)
//   trace            a trace file: "path" or {"path": ..., "format": "csv|bin|oracleGeneral"}
//   generator        or a synthetic trace (traces/generators/generator_spec.h)
//   bench_cache_counters also report the MoE prototype's bench_cache counter names (needs exactly three tiers)
//   warm_tier        the warm-tier protocol over tiers 0 (hot) and 1 (warm): see
//                    models/workloads/expert_replay/warm_tier.h
//   protect          which of a step's experts eviction spares while the step is decided:
//                    "accessed" (default: those it has used so far, as the MoE prototype's
//                    bench_cache) or "step" (all of them, as a system that knows the
//                    step's routing before loading)
//   check_invariants verify after every step that no modified expert was dropped (slow;
//                    for tests); pinned experts are never evicted in any case
//   timeseries_interval  write timeseries.csv: cumulative counters every this much
//                    simulated time ("10 ms"; default none)
//   timeseries_max_rows  refuse a time series longer than this (default 10 M rows)
//   prefetch         {"name": "oracle|history|next_layer|episode", "depth": steps ahead
//                    (or the episode window; default 1), "target": tier to stage into
//                    (default the first), "budget_per_step": bytes a step may prefetch,
//                    "bandwidth": "8 GB/s" (budget = bandwidth x the last step's time),
//                    "throttle": "feedback" (default; an online prefetcher issues as many
//                    of its picks as their measured usefulness earns:
//                    models/prefetchers/prefetch_throttle.h) or "none",
//                    "compare": replay the run again without the prefetcher and report
//                    the step time and stall it saved (default true; false halves the work),
//                    plus the prefetcher's own parameters}
//   training         the MoE prototype's train.py loop: batch tokens, compute from FLOPs,
//                    backward and optimizer phases, optimizer state, evict-safe backward,
//                    cache-aware routing (models/workloads/expert_replay/training/training_spec.h)
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/compute/roofline.h"
#include "models/workloads/expert_replay/training/training_spec.h"
#include "models/workloads/expert_replay/warm_tier.h"
#include "sim/engine/time.h"
#include "traces/generators/generator_spec.h"
#include "traces/trace_format.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

class Prefetcher;

struct PrefetchSpec {
  // A fresh prefetcher with its parameters (checked when the spec was read); empty: no
  // prefetching.
  std::function<std::unique_ptr<Prefetcher>()> make;
  std::string name;
  uint32_t depth = 1;
  std::string target;  // tier name; empty: the first tier
  std::string target_path;  // where the target was given, for errors
  uint64_t budget_per_step = UINT64_MAX;
  uint64_t bandwidth_Bps = 0;  // 0: no bandwidth budget
  bool feedback_throttle = true;  // online prefetchers: "throttle": "feedback" (default) or "none"
  bool compare_with_none = true;  // "compare": also replay without the prefetcher, to report its net effect
};

struct ExpertReplaySpec {
  enum class Mode { kInference, kTraining };
  enum class Overlap { kSerial, kPipelined };

  Mode mode = Mode::kInference;
  Overlap overlap = Overlap::kSerial;
  uint64_t expert_bytes = 0;
  uint64_t chunk_bytes = 0;  // 0: whole objects
  sim::Time compute_per_layer = 0;
  std::optional<Roofline> roofline;  // layer compute from the model, unless hand-set
  uint32_t batch_tokens = 1;
  bool prefill_stage = false;
  uint64_t context_tokens = 0;
  bool bench_cache_counters = false;
  std::string trace_path;  // empty when generated
  std::optional<traces::Format> trace_format;
  std::optional<traces::GeneratorSpec> generator;
  PrefetchSpec prefetch;
  sim::Time timeseries_interval = 0;  // 0: no time series
  uint64_t timeseries_max_rows = 10'000'000;
  WarmTierSpec warm_tier;             // the warm-tier protocol, when enabled
  uint64_t seed = 0;                  // the run's seed (random decisions of the protocol)
  bool check_invariants = false;      // verify no dirty data is dropped (slower)
  bool protect_step = false;          // "protect": "step" (default "accessed")
  // train.py's training loop (models/workloads/expert_replay/training/training_spec.h):
  // tokens, FLOP-based compute, backward and optimizer phases; implies "mode": "training".
  std::optional<TrainingSpec> training;
};

ExpertReplaySpec parse_expert_replay(const ConfigNode& workload, uint64_t run_seed);

// Opens the spec's trace file or builds its generator.
std::unique_ptr<traces::TraceReader> open_replay_trace(const ExpertReplaySpec& spec);

}  // namespace tiersim::models
