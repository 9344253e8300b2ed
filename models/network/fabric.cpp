#include "models/network/fabric.h"

#include "sim/config/config_node.h"
#include "sim/engine/random.h"
#include "sim/errors.h"

namespace tiersim::models {

FabricSpec parse_fabric(const ConfigNode& node) {
  node.allow_only({"nodes", "nodes_per_leaf", "rails", "leaves", "spines", "leaf_ports", "oversubscription", "bandwidth", "hop_latency"});
  FabricSpec f;
  f.nodes_per_leaf = static_cast<uint32_t>(node.at("nodes_per_leaf").as_uint(1, 1u << 16));
  f.rails = static_cast<uint32_t>(node.uint_or("rails", 1, 1, 64));
  f.leaves = static_cast<uint32_t>(node.at("leaves").as_uint(1, 1u << 16));
  f.spines = static_cast<uint32_t>(node.uint_or("spines", 0, 0, 1u << 12));
  f.nic_Bps = static_cast<double>(node.at("bandwidth").as_bandwidth_Bps());
  f.hop_latency = node.duration_or("hop_latency", 0);
  if (f.hop_latency < 0) node.at("hop_latency").fail("expected a duration >= 0");
  if (f.leaves % f.rails != 0) {
    node.at("leaves").fail("a stamp has one leaf per rail: " + std::to_string(f.leaves) + " leaves do not split into stamps of " +
                           std::to_string(f.rails) + " rails");
  }
  const uint64_t capacity = uint64_t{f.stamps()} * f.nodes_per_leaf;
  f.nodes = static_cast<uint32_t>(node.uint_or("nodes", capacity, 1, 1u << 20));
  if (f.nodes > capacity) {
    node.at("nodes").fail(std::to_string(f.nodes) + " nodes are more than the leaves' ports hold: " + std::to_string(f.stamps()) +
                          " stamps of " + std::to_string(f.nodes_per_leaf) + " nodes (" + std::to_string(capacity) + ")");
  }
  if (f.stamps() > 1 && f.spines == 0) node.fail("more than one stamp needs spines to join them (\"spines\": at least 1)");
  if (f.rails > 1 && f.spines == 0) node.fail("traffic between rails crosses the spine: give \"spines\": at least 1");
  f.leaf_ports = static_cast<uint32_t>(node.uint_or("leaf_ports", uint64_t{f.nodes_per_leaf} + f.spines, 1, 1u << 16));
  if (uint64_t{f.nodes_per_leaf} + f.spines > f.leaf_ports) {
    node.at("leaf_ports").fail("a leaf needs " + std::to_string(f.nodes_per_leaf) + " ports for its nodes and " + std::to_string(f.spines) +
                               " for the spines, more than its " + std::to_string(f.leaf_ports));
  }
  f.oversubscription = node.double_or("oversubscription", 1, 1, 1e6);  // downlink over uplink bandwidth
  return f;
}

Fabric::Fabric(FabricSpec spec) : spec_(spec) {
  for (uint32_t n = 0; n < spec_.nodes; ++n) {
    for (uint32_t r = 0; r < spec_.rails; ++r) {
      std::string nic = "n";  // appended piece by piece: GCC 12 warns falsely on "n" + to_string(n)
      nic += std::to_string(n);
      nic += ".r";
      nic += std::to_string(r);
      links_.push_back({nic + ".up", HopClass::kRail, spec_.nic_Bps});
      links_.push_back({nic + ".down", HopClass::kRail, spec_.nic_Bps});
    }
  }
  spine_base_ = static_cast<uint32_t>(links_.size());
  const double uplink = spec_.spines ? spec_.nic_Bps * spec_.nodes_per_leaf / spec_.oversubscription / spec_.spines : 0;
  for (uint32_t leaf = 0; leaf < spec_.leaves; ++leaf) {
    for (uint32_t s = 0; s < spec_.spines; ++s) {
      std::string name = "leaf";
      name += std::to_string(leaf);
      name += ".spine";
      name += std::to_string(s);
      links_.push_back({name + ".up", HopClass::kSpine, uplink});
      links_.push_back({name + ".down", HopClass::kSpine, uplink});
    }
  }
  up_.assign(links_.size(), true);
}

FabricPath Fabric::path(uint32_t from, uint32_t to, uint32_t from_rail, uint32_t to_rail, bool* reachable) const {
  FabricPath p;
  if (reachable) *reachable = true;
  if (from == to) return p;
  const uint32_t out = nic_up(from, from_rail), in = nic_down(to, to_rail);
  const uint32_t a = leaf_of(from, from_rail), b = leaf_of(to, to_rail);
  auto fail = [&] {
    if (reachable) *reachable = false;
    return FabricPath{};
  };
  if (!up_[out] || !up_[in]) return fail();
  if (a == b) {
    p.links = {out, in};
  } else {
    // ECMP: the pair's hash picks the first spine tried; a spine with a failed link on the
    // way is passed over.
    const uint32_t first = static_cast<uint32_t>(sim::mix64((uint64_t{from} << 32) ^ to) % spec_.spines);
    uint32_t spine = UINT32_MAX;
    for (uint32_t k = 0; k < spec_.spines && spine == UINT32_MAX; ++k) {
      const uint32_t s = (first + k) % spec_.spines;
      if (up_[uplink(a, s)] && up_[downlink(s, b)]) spine = s;
    }
    if (spine == UINT32_MAX) return fail();
    p.links = {out, uplink(a, spine), downlink(spine, b), in};
    p.crosses_spine = true;
  }
  p.latency = spec_.hop_latency * static_cast<sim::Time>(p.links.size());
  return p;
}

}  // namespace tiersim::models
