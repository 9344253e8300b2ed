#pragma once
// The configuration of a KV-cache serving workload (config key "workload"):
//   type           "kv_cache"
//   trace          a Mooncake-format request trace (JSON lines, .zst allowed):
//                  "path" or {"path": ..., "format": "mooncake"}
//   generator      or a synthetic one (traces/kv/kv_generator.h)
//   block_tokens   tokens per hash id (default 512, Mooncake's; 16 with a generator)
//   chunk_tokens   tokens per cached object, a multiple of block_tokens (default 256,
//                  rounded up to a whole number of blocks). A chunk is the unit every tier
//                  stores and the object size of one S3 PUT/GET
//   model          the KV shape: a preset or fields (models/compute/model_shape.h)
//   gpu            the GPU the model runs on (models/compute/gpu_profile.h): prefill and
//                  decode steps are timed from the model's shape (models/compute/roofline.h)
//                  unless hand-set below
//   prefill        {"fixed": "5 ms", "per_token": "40 us", "per_token2": "0.5 ps"}: computing
//                  n new tokens after c cached ones costs
//                  fixed + per_token*n + per_token2*((c+n)^2 - c^2)
//                  (the quadratic term is attention over the whole prefix); with a gpu and
//                  neither per-token term, fixed + the roofline's prefill
//   layerwise      load layer l+1's KV while layer l computes (default true)
//   load_policy    "when_faster" (default): a request loads the longest cached prefix whose
//                  load, over its paths' current queues, ends before recomputing it would;
//                  it recomputes the rest. "always": load everything any tier holds
//   prefill_slots  requests prefilled at once (default 1); others queue in arrival order
//   write          {"through": [tiers a new chunk is written to at once], "back": on
//                  eviction, write a chunk no lower tier holds to the tier below
//                  (default true), "store_after_hits": store a chunk below the first tier
//                  (through or back) only once this many requests after the one that
//                  computed it have asked for it, held or not (default 0: every chunk); a
//                  chunk no other request wants is then dropped from the first tier
//                  instead of taking space and bandwidth below}
//   (the object store's request limits and compression are the backing tier's: its
//   "object_store" and "compression" keys, models/links/object_store_link.h, codec_link.h)
//   cost           {"storage_usd_per_gb_month": {"tier": price, ...},
//                   "get_usd_per_1000": ..., "put_usd_per_1000": ...}
//   workers        prefill workers, which tiers they share (a pooled L3.5 tier) and how
//                  requests are routed to them (models/workloads/kv_cache/kv_cluster_spec.h)
//   decode         decode workers, disaggregated or colocated (kv_cluster_spec.h)
//   max_requests   replay only the first N requests
//   request_log    also write requests.csv: one row per request (worker, slot, arrival,
//                  first token, TTFT, queueing, load and compute time, cached tokens; with
//                  decode, decode start and last token)
//   request_log_max_rows  refuse a request log longer than this (default 100 M rows)
//   namespaces     which requests may see each other's cached entries (the KVSS design's
//                  stage 3): {"scope": "global" (default: all) | "model" (replicas of a
//                  model in one trust domain: a request's model and its instance's
//                  isolation_id) | "instance" (each serving instance alone),
//                  "models": [{"name": ..., "shape": a model like "model", default it}],
//                  "instances": [{"name": ..., "model": ...,
//                  "isolation_id": ...}]}: the names requests may give in their "model"
//                  and "instance" fields (a trace without them is one model, one instance)
//   discovery      how a request learns what the remote tiers (from "remote_from", default
//                  the first tier the workers share) hold (the KVSS design's stage 9):
//                  {"mode": "local" (default: free) | "always" (every request queries
//                  them first: query_latency before its lookups) | "prefix_map" (a local
//                  map answers for the node's own tiers; on a local miss the remote query
//                  runs beside the compute, so only chunks loaded from remote tiers wait
//                  query_latency) | "hint" (as prefix_map, but a request whose session
//                  came before was hinted: no wait), "query_latency": "200 us"}
//   index          where a request finds its cached prefix (the KVSS design's stage 4):
//                  {"architecture": "distributed" (default: each node's own index, no
//                  queue) | "pooled" (a central indexer every lookup crosses: `servers`
//                  servers, `service_time` each lookup, in arrival order)}
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <memory>

#include "models/compute/model_shape.h"
#include "models/kv/kv_namespaces.h"
#include "traces/kv/kv_request_source.h"
#include "models/compute/roofline.h"
#include "models/workloads/kv_cache/kv_cluster_spec.h"
#include "sim/engine/time.h"
#include "traces/kv/kv_generator.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct TopologySpec;

struct PrefillCost {
  std::shared_ptr<const Roofline> roofline;  // from the model on the GPU; null: the hand-set terms
  sim::Time fixed = 0;
  sim::Time per_token = 0;
  double per_token2_ps = 0;
  // Time to compute `fresh` tokens after `cached` ones.
  sim::Time time(uint64_t cached, uint64_t fresh) const;
};

struct DiscoverySpec {
  enum class Mode { kLocal, kAlways, kPrefixMap, kHint };
  Mode mode = Mode::kLocal;
  sim::Time query_latency = 0;
  // hint: a hinted request's cached prefix below the first tier is fetched into it when the
  // request arrives, while it queues, instead of when its prefill starts.
  bool prefetch = false;
  uint32_t remote_from = UINT32_MAX;  // tier index; UINT32_MAX: the first shared tier
};

struct IndexSpec {
  bool pooled = false;
  sim::Time service_time = 0;
  uint32_t servers = 1;
};

struct CostSpec {
  std::vector<double> storage_usd_per_gb_month;  // per tier (0: free)
  double get_usd_per_1000 = 0, put_usd_per_1000 = 0;
};

struct KvServingSpec {
  std::string trace_path;  // empty when generated
  std::optional<traces::KvGeneratorSpec> generator;
  uint32_t block_tokens = 512;
  uint32_t chunk_tokens = 512;
  ModelShape model;
  PrefillCost prefill;
  bool layerwise = true;
  bool load_when_faster = true;  // load_policy "when_faster"; false: "always"
  uint32_t prefill_slots = 1;
  std::vector<uint32_t> write_through;  // tier indices, ascending
  bool write_back = true;
  uint32_t store_after_hits = 0;  // store below the first tier only chunks reused this often
  CostSpec cost;
  KvWorkersSpec workers;
  KvDecodeSpec decode;
  uint64_t max_requests = UINT64_MAX;
  bool request_log = false;
  uint64_t request_log_max_rows = 100'000'000;
  NamespaceSpec namespaces;
  IndexSpec index;
  DiscoverySpec discovery;
  // Per shape (KvRequest::shape): 0 the workload's model, then each listed model's.
  std::vector<ModelShape> shapes;
  std::vector<PrefillCost> prefill_by_shape;
  uint64_t seed = 0;

  uint32_t blocks_per_chunk() const { return chunk_tokens / block_tokens; }
};

// Reads the workload block; the topology gives tier names and the links the write policy
// needs. Throws InputError naming the JSON path of a mistake.
KvServingSpec parse_kv_serving(const ConfigNode& workload, const TopologySpec& topology, uint64_t run_seed);

// The spec's requests as a source (the trace file read as it goes, or the generator), with
// `trace` set up to receive them (its source name and block size).
std::unique_ptr<traces::KvRequestSource> open_kv_source(const KvServingSpec& spec, traces::KvTrace& trace);

// Reads the spec's trace file or generates its trace (then cut to max_requests), and puts
// each request in its namespace; a model or instance the config does not name is an
// InputError naming the trace's line.
traces::KvTrace load_kv_trace(const KvServingSpec& spec);

}  // namespace tiersim::models
