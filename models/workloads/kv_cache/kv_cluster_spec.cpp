#include "models/workloads/kv_cache/kv_cluster_spec.h"

#include <algorithm>

#include "models/links/link_parameters.h"
#include "models/tiers/topology.h"
#include "sim/config/config_node.h"

namespace tiersim::models {

sim::Time DecodeStepCost::time(uint64_t sequences, uint64_t context_bytes) const {
  sim::Time t = sim::saturating_add(fixed, static_cast<sim::Time>(std::min<uint64_t>(sequences, 1u << 30)) * per_sequence);
  if (kv_read_Bps) t = sim::saturating_add(t, sim::transfer_time(context_bytes, kv_read_Bps));
  if (roofline) t = sim::saturating_add(t, roofline->decode_step(sequences, bytes_per_token ? context_bytes / bytes_per_token : 0));
  return t;
}

namespace {

// "replicas", "replicate_into" and "replication": the distributed architecture's copies.
void read_replication(const ConfigNode& node, const TopologySpec& topology, KvWorkersSpec& spec) {
  spec.replicate_into = spec.first_shared - 1;
  spec.replicas = static_cast<uint32_t>(node.uint_or("replicas", 1, 1, 4096));
  if (spec.replicas > spec.count) {
    node.at("replicas").fail("expected at most as many copies as workers (" + std::to_string(spec.count) + "), got " +
                             std::to_string(spec.replicas));
  }
  if (auto into = node.find("replicate_into")) {
    const std::string name = into->as_string();
    uint32_t found = UINT32_MAX;
    for (uint32_t t = 0; t < spec.first_shared; ++t)
      if (topology.tiers[t].name == name) found = t;
    if (found == UINT32_MAX) into->fail("expected a tier each worker has its own of (above \"shared_from\"), got \"" + name + "\"");
    spec.replicate_into = found;
  }
  spec.replication.name = "kv_replication";
  if (auto link = node.find("replication")) {
    link->allow_only(link_parameter_keys());
    LinkParameters model;
    read_link_parameters(*link, model);
    if (!model.bandwidth_Bps) link->fail("missing required key \"bandwidth\"");
    apply_link_parameters(model, spec.replication);
  } else if (spec.replicas > 1) {
    node.fail("missing required key \"replication\": the link that carries a node's chunks to the nodes holding its replicas");
  }
}

}  // namespace

KvWorkersSpec parse_kv_workers(const ConfigNode* node, const TopologySpec& topology) {
  KvWorkersSpec spec;
  const uint32_t tiers = static_cast<uint32_t>(topology.tiers.size());
  spec.first_shared = tiers - 1;
  spec.shared_links.assign(topology.links.size(), false);
  if (!node) return spec;
  node->allow_only({"count", "shared_from", "shared_links", "routing", "balance", "replicas", "replicate_into", "replication"});
  spec.count = static_cast<uint32_t>(node->uint_or("count", 1, 1, 4096));
  if (auto s = node->find("shared_from")) {
    const std::string name = s->as_string();
    uint32_t found = UINT32_MAX;
    for (uint32_t t = 0; t < tiers; ++t)
      if (topology.tiers[t].name == name) found = t;
    if (found == UINT32_MAX) s->fail("no tier named \"" + name + "\"");
    if (found == 0) s->fail("the first tier (\"" + name + "\") is each worker's own GPU memory; name a tier below it");
    spec.first_shared = found;
  }
  if (auto links = node->find("shared_links")) {
    for (size_t i = 0; i < links->size(); ++i) {
      const ConfigNode item = links->at(i);
      const std::string name = item.as_string();
      size_t found = topology.links.size();
      for (size_t l = 0; l < topology.links.size(); ++l)
        if (topology.links[l].name == name) found = l;
      if (found == topology.links.size()) item.fail("no link named \"" + name + "\"");
      const LinkSpec& link = topology.links[found];
      if (link.from_tier < spec.first_shared && link.to_tier < spec.first_shared) {
        item.fail("link \"" + name + "\" joins two tiers every worker has its own of; only a link to or from a shared tier can be shared");
      }
      spec.shared_links[found] = true;
    }
  }
  if (auto r = node->find("routing")) {
    const std::string routing = r->as_enum({"round_robin", "least_loaded", "prefix_hash", "cache_aware"});
    spec.routing = routing == "round_robin"    ? KvRouting::kRoundRobin
                   : routing == "least_loaded" ? KvRouting::kLeastLoaded
                   : routing == "prefix_hash"  ? KvRouting::kPrefixHash
                                               : KvRouting::kCacheAware;
  }
  spec.balance = static_cast<uint32_t>(node->uint_or("balance", spec.balance, 0, 1u << 20));
  read_replication(*node, topology, spec);
  return spec;
}

KvDecodeSpec parse_kv_decode(const ConfigNode* node, bool has_gpu) {
  KvDecodeSpec spec;
  if (!node) return spec;
  node->allow_only({"placement", "workers", "max_batch", "kv_capacity", "step", "handover"});
  spec.enabled = true;
  if (auto p = node->find("placement")) spec.colocated = p->as_enum({"disaggregated", "colocated"}) == "colocated";
  if (auto w = node->find("workers")) {
    if (spec.colocated) w->fail("colocated decode runs on the prefill workers (workers.count); remove \"workers\" here");
    spec.workers = static_cast<uint32_t>(w->as_uint(1, 4096));
  }
  spec.max_batch = static_cast<uint32_t>(node->uint_or("max_batch", spec.max_batch, 1, 1u << 20));
  if (auto c = node->find("kv_capacity")) {
    spec.kv_capacity = c->as_bytes();
    if (spec.kv_capacity == 0) c->fail("expected a positive size, got " + c->describe());
  }
  if (!has_gpu || node->has("step")) {
    const ConfigNode step = node->at("step");
    step.allow_only({"fixed", "per_sequence", "kv_read"});
    spec.step.fixed = step.duration_or("fixed", 0);
    spec.step.per_sequence = step.duration_or("per_sequence", 0);
    if (auto k = step.find("kv_read")) spec.step.kv_read_Bps = k->as_bandwidth_Bps();
    spec.step.roofline_with_fixed = has_gpu && !step.has("per_sequence") && !step.has("kv_read");
    if (!spec.step.roofline_with_fixed && spec.step.fixed <= 0 && spec.step.per_sequence <= 0 && spec.step.kv_read_Bps == 0) {
      step.fail("a decode step must take time: give \"fixed\", \"per_sequence\" or \"kv_read\"");
    }
  }
  spec.handover.name = "kv_handover";
  if (auto h = node->find("handover")) {
    if (spec.colocated) h->fail("colocated decode keeps the KV where the prefill left it; remove \"handover\"");
    h->allow_only(link_parameter_keys());
    LinkParameters model;
    read_link_parameters(*h, model);
    if (!model.bandwidth_Bps) h->fail("missing required key \"bandwidth\"");
    apply_link_parameters(model, spec.handover);
  } else if (!spec.colocated) {
    node->fail("missing required key \"handover\": the link that carries the KV from a prefill worker to a decode worker");
  }
  return spec;
}

}  // namespace tiersim::models
