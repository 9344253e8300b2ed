#pragma once
// KV-cache serving: a request trace (Mooncake's format, or generated) replayed through the
// tier topology as a discrete-event simulation, on the same links and eviction policies
// as every workload.
//  - A prompt is cut into chunks of chunk_tokens (the unit every tier stores; a partial
//    last chunk is an object of its own). A chunk's key names its whole prefix, so two
//    prompts share a chunk exactly when they share every block up to its end.
//  - When a request gets a prefill slot, its chunks are looked up in prefix order, each
//    from the first tier down; the first chunk held nowhere ends the cached prefix.
//    Cached chunks below the first tier are loaded into it along the tier's fetch path
//    (through the decoder when they leave a compressed last tier) and pinned there until
//    the request ends; the rest of the prompt is prefilled (KvServingSpec::prefill). At
//    least one token is always computed, as serving engines do to get the logits.
//  - Layerwise loading: the load is taken to stream evenly, layer by layer, after the
//    first byte of its slowest path arrives (D, the path's delivery latency). With load
//    time T, prefill compute P over L layers, layer l is ready at D + (l+1)(T-D)/L and
//    takes P/L to compute after it and after layer l-1, so the first token comes at
//        start + max(T + P/L, D + (T-D)/L + P)     (layerwise)
//        start + T + P                             (not layerwise)
//  - The prompt's computed chunks are then inserted into the first tier, and written down
//    by the write policy: write-through copies go at once to the listed tiers (passing the
//    tiers in between), write-back moves an evicted chunk that no lower tier holds to the
//    tier below. Writes are background transfers: they share the links but nobody waits.
//  - Transfers to and from the last tier (the object store) are its GETs and PUTs: each
//    takes a token of the store's rate limit or is throttled (503 SlowDown) and retried
//    after throttle_latency + an exponential backoff with full jitter (seeded).
//  - TTFT = first token - arrival (queueing for a prefill slot included).
//  - Workers (spec.workers): each prefill worker has prefill_slots and its own instance of
//    the tiers above the first shared one (models/tiers/worker_tiers.h); a request is
//    routed to one on arrival and queues there. Its lookups, loads and writes use that
//    worker's tiers and links, and the shared tiers (a pooled L3.5, the object store)
//    serve every worker, so a chunk one worker staged from the store into the pool is a
//    pool hit for the others.
//  - Decode (spec.decode, models/workloads/kv_cache/kv_decode.h): after its first token a request
//    decodes its remaining output tokens, on decode workers of their own (the KV handed
//    over a network link) or on its prefill worker.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/links/queueing_link.h"
#include "models/policies/i_eviction_policy.h"
#include "models/cache/cache_hierarchy.h"
#include "models/tiers/worker_tiers.h"
#include "models/workloads/kv_cache/kv_serving_spec.h"
#include "models/workloads/kv_cache/load_plan.h"
#include "sim/containers/flat_map.h"
#include "sim/containers/index_pool.h"
#include "sim/engine/random.h"
#include "sim/output/metrics.h"
#include "sim/stats/log_histogram.h"
#include "traces/kv/kv_request_source.h"
#include "traces/kv/kv_trace.h"

namespace sim {
class Simulator;
}

namespace tiersim::models {

class Topology;
class KvDecodePool;

class KvServing {
 public:
  // Requests come from `source` as they arrive, into `trace` (whose block ids are dropped
  // once a request has looked its prefix up): memory follows what is live, not the trace.
  KvServing(sim::Simulator& simulator, Topology& topology, const KvServingSpec& spec, traces::KvTrace& trace,
            traces::KvRequestSource& source);
  ~KvServing();

  void run();
  uint64_t block_lookups() const { return total_blocks_; }
  // TTFT, queueing, load-time (and decode) histograms' buckets (histograms.csv).
  std::string histograms_csv() const;
  // Every result of the run, in a fixed order (docs/results.md lists every column).
  Metrics metrics() const;
  // requests.csv (with a header) when the spec asks for the request log, else empty.
  const std::string& request_log() const { return request_log_; }  // built when run() ends
  // nodes.csv (with a header): one row per prefill worker (node) beside the totals; empty
  // with a single worker.
  std::string nodes_csv() const;

 private:
  struct Chunk {
    uint64_t key;
    uint32_t blocks, tokens;
    uint64_t bytes_per_token;  // its model's
  };
  struct Pin {
    uint32_t tier_id, slot;  // tier_id: WorkerTiers::tier_id
  };
  // A request between getting its prefill slot and its first token.
  struct Active {
    bool busy = false;
    uint32_t worker = 0;
    uint32_t request = 0;
    sim::Time start = 0;
    sim::Time first_byte = 0;  // D: the slowest load path's delivery latency
    uint32_t pending = 0;      // loads in flight
    uint32_t cached_chunks = 0;
    uint64_t cached_tokens = 0;
    sim::Time load = 0, compute = 0;
    bool queried = false;      // discovery "always": its remote query answered
    std::vector<Chunk> chunks;
    std::vector<Pin> pins;
  };
  // One chunk's journey over one or more links (a load, or a write down the tiers): the
  // topology's link indices. The links into and out of the object store carry out its
  // request limits and codec themselves.
  struct Move {
    uint64_t raw_bytes = 0;
    std::array<uint16_t, 8> hops;
    uint16_t worker = 0;  // whose instances of the links
    uint8_t count = 0, next = 0;
    int32_t owner = -1;   // the Active slot waiting for it; -1 for writes
    bool prefetch = false;            // discovery's hint prefetch of `key`
    uint64_t key = 0;
    std::vector<uint32_t> waiters;    // Active slots that found it on its way
  };

  static void on_arrival(void* self, uint64_t request);
  // Discovery's hint prefetch: worker w's request, hinted, has its cached prefix below the
  // first tier fetched into it now, in the background.
  void prefetch_hinted(uint32_t w, const traces::KvRequest& request);
  static void on_hop_done(void* self, uint64_t move);
  static void on_first_token(void* self, uint64_t slot);
  // A request was served (its first token, or its last with decode) at `now`. When it is
  // the last, the links' totals then are what the served window reports; what they move
  // later is the drain.
  void note_served(sim::Time now);
  // How many chunks of its cached prefix worker w's request loads; the rest it recomputes.
  uint32_t choose_split(uint32_t w, const std::vector<Chunk>& chunks, const traces::KvRequest& request);
  // The request's prefix lookups and loads, once the index has answered (at once without a
  // pooled indexer).
  void look_up(uint32_t slot);
  static void on_index_answer(void* self, uint64_t slot);
  static void on_delayed_hop(void* self, uint64_t m);
  // Discovery: the first tier whose holdings a request must query for.
  uint32_t remote_from() const;
  static void on_decode_finished(void* self, sim::Time now) { static_cast<KvServing*>(self)->note_served(now); }

  // A prefill worker's queue of routed requests and its share of active_.
  struct Worker {
    std::vector<uint32_t> queue;  // in arrival order
    size_t head = 0;
    uint32_t busy = 0;
    uint64_t requests = 0;
    // What nodes.csv reports of it.
    uint64_t started = 0, tokens = 0, blocks = 0, hit_blocks = 0, hit_tokens = 0, loaded_chunks = 0;
    uint64_t replicas_out = 0, replicas_in = 0;  // chunks copied to other nodes; from them
    uint64_t loaded_bytes = 0;                   // loaded into its first tier from below
    sim::Time queue_wait = 0, queue_wait_max = 0;
    uint32_t load() const { return static_cast<uint32_t>(queue.size() - head) + busy; }
  };
  // What requests.csv says of a request.
  struct RequestRecord {
    uint32_t worker = 0, slot = 0, cached_chunks = 0, chunks = 0;
    uint64_t cached_tokens = 0;
    sim::Time start = 0, first_token = -1, load = 0, compute = 0;
  };

  uint32_t route(uint32_t request);
  void try_start(uint32_t worker);
  void start(uint32_t slot, uint32_t request);
  void cut_into_chunks(const traces::KvRequest& request, std::vector<Chunk>& out) const;
  void loads_done(uint32_t slot);
  void write_through(uint32_t worker, const Chunk& chunk);
  // The distributed architecture's copies of worker `w`'s new chunks on the next nodes.
  void replicate(uint32_t w, const std::vector<Chunk>& chunks, size_t first);
  uint32_t new_move(int32_t owner, uint32_t worker);
  void add_hop(Move& move, uint32_t link);
  void submit_hop(uint32_t move);
  // Inserts into worker w's tier `t` (evicting by its policy; a victim no lower tier holds
  // is written back down); kNoSlot when everything there is pinned or it can never fit.
  Slot admit(uint32_t w, uint32_t t, const Chunk& chunk, bool pin, uint32_t slot_owner);
  void account_storage(uint32_t tier_id);
  static void on_tier_change(void* self, uint64_t tier_id);
  // One worker's write-back rule (a victim no lower tier holds goes down) and its moves.
  struct WorkerRules final : VictimRule, MoveSink {
    KvServing* serving = nullptr;
    uint32_t worker = 0;
    WorkerRules() = default;
    WorkerRules(KvServing* s, uint32_t w) : serving(s), worker(w) {}
    void on_victim(uint32_t tier, const Evicted& victim) override;
    void move_down(uint32_t from, uint32_t to, uint64_t key, uint64_t bytes, bool demotion) override;
  };
  std::string build_request_log() const;
  uint64_t chunk_bytes(const Chunk& c) const { return uint64_t(c.tokens) * c.bytes_per_token; }

  sim::Simulator& simulator_;
  Topology& topology_;
  WorkerTiers tiers_;
  const KvServingSpec& spec_;
  traces::KvTrace& trace_;
  traces::KvRequestSource& source_;
  NamespaceAssigner namespaces_;
  bool source_done_ = false;
  std::vector<uint8_t> looked_up_;  // per request: its prefix looked up (its block ids no longer needed)
  uint64_t release_from_ = 0;       // the first request not yet looked up
  // Makes request `index` available (reading the source up to it); false past the end.
  bool fetch(uint64_t index);
  void release_looked_up(uint32_t request);
  const uint64_t bytes_per_token_;
  // By KvRequest::shape: each model's KV bytes per token, prefill cost and layers.
  std::unique_ptr<QueueingLink> indexer_;  // the pooled architecture's central index
  sim::FlatMap<uint8_t> sessions_seen_;     // discovery "hint": sessions whose prefix was hinted
  std::vector<sim::FlatMap<uint32_t>> prefetch_in_flight_;  // per worker: chunk -> its prefetch move
  std::vector<sim::FlatMap<uint8_t>> prefetched_;            // per worker: prefetched, not yet used
  std::vector<Chunk> prefetch_chunks_;
  uint64_t prefetched_chunks_ = 0, prefetch_bytes_ = 0, prefetch_waits_ = 0, prefetch_used_ = 0, prefetch_wasted_ = 0;
  uint64_t discovery_queries_ = 0, discovery_delayed_ = 0;
  std::vector<uint64_t> shape_bytes_per_token_;
  std::vector<PrefillCost> shape_prefill_;
  std::vector<double> shape_layers_;
  const uint32_t store_;  // the last tier
  const CompressionSpec& compression_;  // the store's

  std::vector<WorkerRules> rules_;  // sized once: the hierarchies keep references
  std::vector<std::unique_ptr<CacheHierarchy>> hierarchies_;  // per worker
  std::unique_ptr<KvDecodePool> decode_;
  std::vector<std::unique_ptr<QueueingLink>> replication_;  // per worker, when replicas > 1
  uint64_t replicated_chunks_ = 0, replica_bytes_ = 0;
  std::vector<Active> active_;  // prefill_slots per worker, worker by worker
  std::vector<Worker> workers_;
  uint32_t next_round_robin_ = 0;
  std::vector<Chunk> routing_chunks_;
  sim::IndexPool<Move> moves_;
  int64_t clock_ = 0;  // the policies' logical time: one tick per chunk touched

  // Results.
  uint64_t total_blocks_ = 0, total_tokens_ = 0, output_tokens_ = 0, chunk_lookups_ = 0;
  uint64_t prefill_tokens_ = 0, saved_tokens_ = 0, bypassed_ = 0;
  std::vector<uint64_t> hit_blocks_, hit_tokens_;  // per tier the prefix was found in
  std::vector<sim::Time> ttft_, queue_wait_;
  sim::Time load_total_ = 0, compute_total_ = 0;
  sim::LogHistogram load_time_;  // per request
  sim::Time first_arrival_ = -1, last_token_ = 0;
  uint64_t served_ = 0;                               // requests served so far
  sim::Time service_end_ = -1;                        // the last request served
  std::vector<uint32_t> found_;              // the request being started: its cached prefix's tiers
  std::vector<PrefixChunk> prefix_;          // ... with each chunk's estimated arrival
  std::vector<sim::Time> link_ready_;        // per link, while estimating
  std::vector<uint64_t> loaded_, recomputed_;  // per tier the chunk was found in
  // With write.store_after_hits: how many requests have asked for each chunk (whether a
  // tier held it or not); a chunk is stored below the first tier once that many requests
  // after the first have asked for it.
  sim::FlatMap<uint32_t> requested_;
  uint64_t unstored_ = 0;  // chunks not written down for want of reuse
  bool stored(uint64_t key) const {
    if (spec_.store_after_hits == 0) return true;
    const uint32_t* n = requested_.find(key);
    return n && *n > spec_.store_after_hits;
  }
  sim::Time estimated_saving_ = 0;           // summed: estimated TTFT with always-load minus with the choice
  std::vector<std::vector<LinkTotals>> served_links_;  // per link, per instance, at service_end_
  std::vector<LinkTotals> served_codec_;               // the store's encoder and decoder then
  std::vector<long double> byte_seconds_;  // per tier instance, bytes x ps
  std::vector<sim::Time> accounted_at_;
  std::vector<RequestRecord> records_;  // with request_log
  std::string request_log_;
};

}  // namespace tiersim::models
