#pragma once
// How a KV-cache serving workload spreads over GPUs (config keys "workers" and "decode").
//   workers   {"count": prefill workers (1), each with prefill_slots and its own instance
//              of the tiers above "shared_from";
//              "shared_from": the first tier all workers share (default: the last tier),
//              e.g. a pooled DRAM/NVMe tier (L3.5) reached over each worker's NIC;
//              "shared_links": links that exist once for all workers (a pool's uplink),
//              where by default a link touching a per-worker tier is one per worker;
//              "routing": which worker prefills a request on arrival:
//                "round_robin", "least_loaded" (fewest queued + prefilling requests),
//                "prefix_hash" (by its first chunk, so equal system prompts meet),
//                "cache_aware" (the longest prefix held in the worker's own tiers, among
//                workers within "balance" requests of the least loaded; default);
//              "replicas": copies of each computed chunk across nodes (1: none), the
//              distributed architecture's replication: a worker's new chunks are also
//              written into the "replicate_into" tier (default: the last tier each worker
//              has its own of) of the next replicas - 1 workers in ring order, over the
//              sending worker's "replication" link {"bandwidth", "latency", ...}}
//   decode    {"placement": "disaggregated" (decode workers of their own, the KV handed
//              over a network link) or "colocated" (decode on the prefill worker, whose
//              decode steps wait while it prefills);
//              "workers": decode workers (disaggregated; default 1),
//              "max_batch": sequences decoded together per worker (256),
//              "kv_capacity": bytes of KV a decode worker holds (unlimited); a sequence
//              reserves (input + output tokens) x bytes per token when it joins,
//              "step": {"fixed": weights pass, "per_sequence": ..., "kv_read": HBM
//              bandwidth reading the batch's context KV each step}; with workload.gpu,
//              "step" may be left out or hold only "fixed": the model's roofline times it,
//              "handover": the link from each prefill worker to the decode pool
//              {"bandwidth", "latency", "channels", "sharing", ...}; with layerwise
//              prefill, the KV streams as layers finish}
// Without "decode" a request ends at its first token.
#include <cstdint>
#include <vector>

#include <memory>

#include "models/compute/roofline.h"
#include "models/links/i_link.h"
#include "sim/engine/time.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct TopologySpec;

enum class KvRouting { kRoundRobin, kLeastLoaded, kPrefixHash, kCacheAware };

struct KvWorkersSpec {
  uint32_t count = 1;
  uint32_t first_shared = 0;       // tier index; set from the topology
  std::vector<bool> shared_links;  // per topology link
  KvRouting routing = KvRouting::kCacheAware;
  uint32_t balance = 4;
  uint32_t replicas = 1;
  uint32_t replicate_into = 0;  // tier index
  LinkSpec replication;         // one instance per worker: its egress to the others
};

struct DecodeStepCost {
  sim::Time fixed = 0, per_sequence = 0;
  uint64_t kv_read_Bps = 0;  // 0: reading the context costs nothing
  // With a GPU and no per-sequence or kv_read term: fixed + the roofline's decode step.
  std::shared_ptr<const Roofline> roofline;
  bool roofline_with_fixed = false;  // only "fixed" was given
  uint64_t bytes_per_token = 0;     // to turn context bytes into tokens for the roofline
  // One step over `sequences` sequences holding `context_bytes` of KV in all.
  sim::Time time(uint64_t sequences, uint64_t context_bytes) const;
};

struct KvDecodeSpec {
  bool enabled = false;
  bool colocated = false;
  uint32_t workers = 1;
  uint32_t max_batch = 256;
  uint64_t kv_capacity = UINT64_MAX;
  DecodeStepCost step;
  LinkSpec handover;
};

KvWorkersSpec parse_kv_workers(const ConfigNode* node, const TopologySpec& topology);
// `has_gpu`: the workload names a GPU, so "step" may be left out (the roofline times it).
KvDecodeSpec parse_kv_decode(const ConfigNode* node, bool has_gpu);

}  // namespace tiersim::models
