#pragma once
// The decode side of KV-cache serving: each request that wants more than one output token
// joins a decode worker after its first token and produces one token per decode step.
//  - Disaggregated: the request's KV (input tokens x bytes per token) crosses the handover
//    link of the prefill worker that computed it (one link instance per prefill worker,
//    its NIC) to the decode worker with the fewest sequences. With layerwise prefill the
//    handover starts when compute starts and the KV streams as layers finish, so the last
//    layer's share still crosses after the first token; otherwise it starts at the first
//    token.
//  - Colocated: the sequence stays on its prefill worker; a decode step that would start
//    while that worker computes a prefill waits until the prefill ends (prefill first, as
//    engines without chunked prefill schedule). A step already running is not interrupted,
//    and decode KV is held apart from the prefix cache's tiers.
//  - Continuous batching: waiting sequences join at step boundaries, in arrival order,
//    while the batch has fewer than max_batch sequences and the worker's kv_capacity
//    holds their reservation (input + output tokens). A step over n sequences holding C
//    bytes of context costs fixed + per_sequence x n + C / kv_read.
//  - Several model shapes (namespaces.models with their own shapes): a worker's batch may
//    hold sequences of several models; a step runs each model's decode step over its own
//    sequences, one after another (a GPU hosting each model), each costed with its shape
//    (its KV per token, its roofline).
// Reported: TPOT (per request, (last token - first token) / (output tokens - 1)), the
// gap between consecutive tokens of a request (TBT, the first decode token's gap
// including the handover and batch queueing), end-to-end latency, batch sizes, stalls.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/workloads/kv_cache/kv_cluster_spec.h"
#include "sim/containers/index_pool.h"
#include "sim/engine/time.h"
#include "sim/stats/log_histogram.h"

namespace sim {
class Simulator;
}

namespace tiersim {
class Metrics;
class HistogramTable;
}

namespace tiersim::models {

class QueueingLink;

// One model shape as decode sees it.
struct DecodeShape {
  uint64_t bytes_per_token = 0;
  uint32_t layers = 1;
  DecodeStepCost step;
};

class KvDecodePool {
 public:
  KvDecodePool(sim::Simulator& simulator, const KvDecodeSpec& spec, uint32_t prefill_workers, std::vector<DecodeShape> shapes,
               bool layerwise);
  ~KvDecodePool();

  // Request `request`, prefilled on `prefill_worker`, computes during
  // [compute_start, first_token); called once its loads are done (now <= first_token).
  void prefill_scheduled(uint32_t request, uint32_t prefill_worker, sim::Time arrival, sim::Time compute_start,
                         sim::Time first_token, uint64_t input_tokens, uint32_t output_tokens, uint32_t shape = 0);

  // Called whenever a sequence produces its last token (the run's service may end there).
  void on_finish(void (*fn)(void* context, sim::Time now), void* context) {
    on_finish_ = fn;
    on_finish_context_ = context;
  }

  void add_metrics(Metrics& m, sim::Time horizon) const;
  // The time-per-output-token and between-token histograms.
  void add_histograms(HistogramTable& table) const;
  // When request r joined a decode batch and produced its last token (-1: no decode).
  sim::Time decode_start(uint32_t r) const { return r < decode_start_.size() ? decode_start_[r] : -1; }
  sim::Time last_token(uint32_t r) const { return r < last_token_.size() ? last_token_[r] : -1; }

 private:
  struct Sequence {
    uint32_t request = 0, worker = 0, prefill_worker = 0, shape = 0;
    uint32_t remaining = 0, output_tokens = 0;
    uint64_t context_bytes = 0, reserved_bytes = 0;
    sim::Time arrival = 0, first_token = 0, last = 0;
  };
  struct Interval {
    sim::Time from, until;
  };
  struct Worker {
    std::vector<uint32_t> batch;    // sequence ids
    std::vector<uint32_t> waiting;  // sequence ids, in arrival order
    size_t waiting_head = 0;
    uint64_t kv_used = 0;
    std::vector<uint64_t> sequences, context_bytes;  // per shape, in the batch
    uint32_t handovers = 0;  // sequences on their way to this worker
    bool stepping = false;
    sim::Time step_start = 0;
    std::vector<Interval> prefills;  // colocated: its prefills' compute, to wait for
  };

  static void on_handover_start(void* self, uint64_t sequence);
  static void on_handover_done(void* self, uint64_t sequence);
  static void on_ready(void* self, uint64_t sequence);
  static void on_step_start(void* self, uint64_t worker);
  static void on_step_end(void* self, uint64_t worker);

  uint32_t least_loaded_worker() const;
  void join(uint32_t sequence);
  void try_step(uint32_t worker);
  void begin_step(uint32_t worker);
  void finish(uint32_t sequence, sim::Time now);

  sim::Simulator& simulator_;
  const KvDecodeSpec& spec_;
  const std::vector<DecodeShape> shapes_;
  const bool layerwise_;
  std::vector<std::unique_ptr<QueueingLink>> handover_;  // per prefill worker (disaggregated)
  std::vector<Worker> workers_;
  sim::IndexPool<Sequence> sequences_;

  // Results.
  std::vector<sim::Time> decode_start_, last_token_;
  std::vector<sim::Time> tpot_, e2e_, decode_wait_;
  sim::LogHistogram tbt_;
  void (*on_finish_)(void*, sim::Time) = nullptr;
  void* on_finish_context_ = nullptr;
  uint64_t decode_tokens_ = 0, steps_ = 0, kv_overflows_ = 0;
  sim::Time busy_ = 0, stalled_ = 0;
  sim::Time first_decode_ = -1, last_decode_ = 0;
};

}  // namespace tiersim::models
