#include "models/network/redundancy.h"

#include "sim/config/config_node.h"
#include "sim/engine/random.h"

namespace tiersim::models {

RedundancySpec parse_redundancy(const ConfigNode& node, uint32_t nodes) {
  node.allow_only({"replicas", "erasure"});
  RedundancySpec r;
  if (node.has("replicas") && node.has("erasure")) node.fail("give \"replicas\" or \"erasure\", not both");
  if (auto replicas = node.find("replicas")) {
    r.replicas = static_cast<uint32_t>(replicas->as_uint(1, 64));
    if (r.replicas > nodes) {
      replicas->fail(std::to_string(r.replicas) + " replicas need as many nodes; there are " + std::to_string(nodes));
    }
  }
  if (auto erasure = node.find("erasure")) {
    erasure->allow_only({"k", "m"});
    r.k = static_cast<uint32_t>(erasure->at("k").as_uint(1, 64));
    r.m = static_cast<uint32_t>(erasure->at("m").as_uint(0, 64));
    if (r.k + r.m > nodes) {
      erasure->fail("k + m = " + std::to_string(r.k + r.m) + " fragments need as many nodes; there are " + std::to_string(nodes));
    }
  }
  return r;
}

std::vector<uint32_t> Redundancy::placement(uint64_t key) const {
  std::vector<uint32_t> at;
  const uint32_t first = static_cast<uint32_t>(sim::mix64(key) % nodes_);
  for (uint32_t i = 0; i < spec_.pieces(); ++i) at.push_back((first + i) % nodes_);
  return at;
}

ReadPlan Redundancy::read(uint64_t key, uint64_t bytes, const std::vector<bool>& alive) const {
  ReadPlan plan;
  const std::vector<uint32_t> at = placement(key);
  for (uint32_t i = 0; i < at.size() && plan.from.size() < spec_.needed(); ++i) {
    if (!alive[at[i]]) {
      plan.degraded = plan.degraded || i < spec_.needed();  // a data piece (or the first replica) is gone
      continue;
    }
    plan.from.push_back(at[i]);
  }
  plan.readable = plan.from.size() == spec_.needed();
  if (!plan.readable) plan.from.clear();
  plan.bytes = plan.readable ? piece_bytes(bytes) * spec_.needed() : 0;
  return plan;
}

RebuildTraffic Redundancy::rebuild(uint64_t key, uint64_t bytes, const std::vector<bool>& alive) const {
  RebuildTraffic t;
  for (uint32_t node : placement(key)) t.lost_pieces += alive[node] ? 0 : 1;
  const ReadPlan source = read(key, bytes, alive);
  if (t.lost_pieces == 0 || !source.readable) return RebuildTraffic{0, 0, t.lost_pieces};
  t.read_bytes = source.bytes;  // a replica, or k fragments once for all the lost ones
  t.written_bytes = piece_bytes(bytes) * t.lost_pieces;
  return t;
}

}  // namespace tiersim::models
