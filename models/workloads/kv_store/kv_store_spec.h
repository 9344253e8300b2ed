#pragma once
// The KV-cache store driven through its API ("workload.type": "kv_store"): the KVSS
// design's tier 1 (DRAM, the first tier) and tier 2 (NVMe or a shared pool, below), used
// by a driver through load, store, query, delete, set_priority, set_ttl and evict_policy
// (traces/kv/api_trace.h). Keys:
//   trace         an API trace (JSON lines with "op"), or a Mooncake request trace, which
//                 is mapped onto the API (each request a query, a load, a store)
//   block_tokens  tokens per block (512, as Mooncake's traces)
//   model         the KV shape (a preset or its fields): a block's bytes
//   namespaces    as the kv_cache workload's: which calls may see each other's entries
//   query_latency what a query or a lookup below the first tier costs before any data
//                 moves (the index's answer), default 0
//   max_calls     replay at most this many calls
//   movement      passive, or proactive promotion by the driver or a daemon
//                 (models/workloads/kv_store/kv_movement.h)
#include <cstdint>
#include <string>

#include "models/compute/model_shape.h"
#include "models/kv/kv_namespaces.h"
#include "models/workloads/kv_store/kv_movement.h"
#include "traces/kv/api_trace.h"
#include "sim/engine/time.h"

namespace tiersim::models {

struct TopologySpec;

struct KvStoreSpec {
  std::string trace_path;
  std::string format = "auto";  // api, mooncake, or auto (an "op" field on the first line: api)
  uint32_t block_tokens = 512;
  ModelShape model;
  NamespaceSpec namespaces;
  sim::Time query_latency = 0;
  uint64_t max_calls = UINT64_MAX;
  MovementSpec movement;
};

KvStoreSpec parse_kv_store(const ConfigNode& workload, const TopologySpec& topology);

// The spec's calls: an API trace as it is, a Mooncake trace mapped onto the API; cut to
// max_calls, each in its namespace; evict_policy calls checked against the tiers and
// the policies (errors name file:line).
traces::ApiTrace load_api_calls(const KvStoreSpec& spec, const TopologySpec& topology);

}  // namespace tiersim::models
