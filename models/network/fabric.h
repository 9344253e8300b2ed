#pragma once
// A rail-optimized spine-leaf fabric (the KVSS design's stages 5 and 6), built from a few
// parameters. Nodes are grouped in stamps of `nodes_per_leaf`; each node has `rails` NICs,
// and NIC r of every node of a stamp plugs into that stamp's leaf switch for rail r (so a
// stamp has `rails` leaves, and `leaves` = stamps x rails). Every leaf has one uplink to
// every spine; the uplinks carry the leaf's downlink bandwidth divided by the
// oversubscription.
// Paths follow the rail where they can and cross the spine only where they must:
//  - same stamp, same rail: node -> leaf -> node (the leaf turns it around);
//  - another stamp, or another rail: node -> leaf -> spine -> leaf -> node, the spine
//    chosen by hashing the pair (ECMP), skipping failed links where another spine is up.
// Links are one-way and numbered; each has a class: rail (a NIC's link to its leaf) or
// spine (a leaf's link to a spine).
#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/time.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct FabricSpec {
  uint32_t nodes = 0;           // the cluster's nodes (at most stamps x nodes_per_leaf)
  uint32_t nodes_per_leaf = 0;  // nodes of a stamp
  uint32_t rails = 1;
  uint32_t leaves = 0;          // leaf switches in all: stamps x rails
  uint32_t spines = 0;
  uint32_t leaf_ports = 0;      // a leaf switch's ports: its nodes plus one uplink per spine
  double oversubscription = 1;  // a leaf's downlink over its uplink bandwidth
  double nic_Bps = 0;           // each NIC, each way
  sim::Time hop_latency = 0;    // per link crossed
  uint32_t stamps() const { return rails ? leaves / rails : 0; }
};

// Reads a fabric block {"nodes", "nodes_per_leaf", "rails", "leaves", "spines",
// "leaf_ports", "oversubscription", "bandwidth", "hop_latency"}; parameters that do not
// add up (more nodes than the leaves' ports hold, leaves not a multiple of rails, more
// ports in use than a leaf has, an oversubscription below 1) are an InputError naming the
// key.
FabricSpec parse_fabric(const ConfigNode& node);

enum class HopClass : uint8_t { kRail, kSpine };

struct FabricLink {
  std::string name;  // "n3.r1.up", "leaf2.spine0.down", ...
  HopClass hop;
  double capacity_Bps;
};

struct FabricPath {
  std::vector<uint32_t> links;
  bool crosses_spine = false;
  sim::Time latency = 0;
};

class Fabric {
 public:
  explicit Fabric(FabricSpec spec);
  const FabricSpec& spec() const { return spec_; }
  const std::vector<FabricLink>& links() const { return links_; }

  uint32_t stamp_of(uint32_t node) const { return node / spec_.nodes_per_leaf; }
  // From node `from` on rail `from_rail` to node `to` on rail `to_rail` (a node to itself:
  // no links). Empty links and `reachable` false when every way is down.
  FabricPath path(uint32_t from, uint32_t to, uint32_t from_rail = 0, uint32_t to_rail = 0, bool* reachable = nullptr) const;

  void set_link_up(uint32_t link, bool up) { up_[link] = up; }
  bool link_up(uint32_t link) const { return up_[link]; }

  uint32_t nic_up(uint32_t node, uint32_t rail) const { return (node * spec_.rails + rail) * 2; }
  uint32_t nic_down(uint32_t node, uint32_t rail) const { return nic_up(node, rail) + 1; }
  uint32_t leaf_of(uint32_t node, uint32_t rail) const { return stamp_of(node) * spec_.rails + rail; }
  uint32_t uplink(uint32_t leaf, uint32_t spine) const { return spine_base_ + (leaf * spec_.spines + spine) * 2; }
  uint32_t downlink(uint32_t spine, uint32_t leaf) const { return uplink(leaf, spine) + 1; }

 private:
  FabricSpec spec_;
  std::vector<FabricLink> links_;
  std::vector<bool> up_;
  uint32_t spine_base_ = 0;
};

}  // namespace tiersim::models
