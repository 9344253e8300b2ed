#include "models/workloads/kv_store/kv_store_spec.h"

#include "models/policies/policy_registry.h"
#include "models/tiers/topology.h"
#include "sim/config/config_node.h"
#include "sim/config/excerpt.h"
#include "sim/errors.h"
#include "traces/kv/api_trace.h"
#include "traces/kv/mooncake_trace.h"
#include "traces/trace_source.h"

namespace tiersim::models {

KvStoreSpec parse_kv_store(const ConfigNode& workload, const TopologySpec& topology) {
  workload.allow_only({"type", "trace", "block_tokens", "model", "namespaces", "query_latency", "max_calls", "movement"});
  if (topology.tiers.size() < 2) {
    workload.fail("the store needs its tier 1 (the first tier) and a tier below it (tier 2, the last tier)");
  }
  for (const TierSpec& t : topology.tiers) {
    if (t.partition_by_layer) throw InputError(t.partition_path + ": a KV block holds every layer; remove \"partition\"");
    if (t.offline_policy) throw InputError("tier \"" + t.name + "\": Belady reads the future, which the store's API does not give");
  }
  KvStoreSpec spec;
  const TraceSource source = read_trace_source(workload, "missing the calls: give \"trace\" (an API trace or a Mooncake trace)");
  if (source.generator) source.generator->fail("the store replays a recorded trace; give \"trace\"");
  spec.trace_path = source.path;
  if (source.format) spec.format = source.format->as_enum({"api", "mooncake", "auto"});
  spec.block_tokens = static_cast<uint32_t>(workload.uint_or("block_tokens", spec.block_tokens, 1, 1u << 20));
  spec.model = parse_model_shape(workload.at("model"));
  if (auto namespaces = workload.find("namespaces")) {
    spec.namespaces = parse_namespaces(*namespaces);
  } else {
    spec.namespaces.path = workload.source() + ": " + workload.path() + ".namespaces";
  }
  spec.query_latency = workload.duration_or("query_latency", 0);
  if (spec.query_latency < 0) workload.at("query_latency").fail("expected a duration >= 0");
  spec.max_calls = workload.uint_or("max_calls", UINT64_MAX, 1);
  if (auto movement = workload.find("movement")) spec.movement = parse_movement(*movement);
  return spec;
}

namespace {

void check_policy_calls(const traces::ApiTrace& trace, const TopologySpec& topology) {
  for (const traces::ApiCall& c : trace.calls) {
    if (c.op != traces::ApiOp::kEvictPolicy) continue;
    const traces::PolicyCall& p = trace.policy_calls[c.policy_call];
    const std::string where = trace.requests.source + ":" + std::to_string(c.line) + ": ";
    bool found = false;
    std::string tiers;
    for (size_t t = 0; t + 1 < topology.tiers.size(); ++t) {
      found = found || topology.tiers[t].name == p.tier;
      tiers += (tiers.empty() ? "" : ", ") + topology.tiers[t].name;
    }
    if (!found) throw InputError(where + "evict_policy: tier \"" + excerpt(p.tier) + "\" is not a cache tier (" + tiers + ")");
    const PolicyEntry* entry = PolicyRegistry::find(p.policy);
    if (!entry) throw InputError(where + "evict_policy: unknown policy \"" + excerpt(p.policy) + "\"; expected one of: " + PolicyRegistry::names());
    const nlohmann::json parameters = p.parameters.is_object() ? p.parameters : nlohmann::json::object();
    const ConfigNode node(parameters, "parameters", where);  // refers to `parameters`: it must outlive the node
    if (entry->make(&node)->offline()) throw InputError(where + "evict_policy: Belady reads the future, which the store's API does not give");
  }
}

}  // namespace

traces::ApiTrace load_api_calls(const KvStoreSpec& spec, const TopologySpec& topology) {
  traces::ApiTrace trace;
  if (spec.format == "api" || (spec.format == "auto" && traces::looks_like_api_trace(spec.trace_path))) {
    trace = traces::read_api_trace(spec.trace_path, spec.block_tokens);
  } else {
    // A Mooncake trace: each request a query, a load and a store of its prompt.
    const traces::KvTrace requests = traces::read_mooncake_trace(spec.trace_path, spec.block_tokens);
    trace.requests.source = requests.source;
    trace.requests.block_tokens = requests.block_tokens;
    trace.requests.models = requests.models;
    trace.requests.instances = requests.instances;
    trace.requests.block_ids = requests.block_ids;
    for (const traces::KvRequest& r : requests.requests) {
      if (r.blocks == 0) continue;
      for (traces::ApiOp op : {traces::ApiOp::kQuery, traces::ApiOp::kLoad, traces::ApiOp::kStore}) {
        trace.requests.requests.push_back(r);
        traces::ApiCall c;
        c.op = op;
        trace.calls.push_back(c);
      }
    }
  }
  if (trace.calls.size() > spec.max_calls) {
    trace.calls.resize(spec.max_calls);
    trace.requests.requests.resize(spec.max_calls);
  }
  assign_namespaces(spec.namespaces, trace.requests);
  check_policy_calls(trace, topology);
  return trace;
}

}  // namespace tiersim::models
