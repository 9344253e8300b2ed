#pragma once
// The hierarchy: tiers ordered from fastest (index 0, e.g. HBM) to the backing store
// (last), and the links that move objects between them. Read from the config's "tiers"
// and "links" arrays, validated, and turned into the paths objects take: up from each
// tier to tier 0 (taking a direct link such as GPUDirect NVMe -> HBM where one exists),
// and down one tier for write-back.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <optional>

#include "models/links/hardware_profile.h"
#include "models/links/object_store_link.h"
#include "models/links/queueing_link.h"
#include "models/cache/tier.h"

namespace sim {
class Simulator;
}
namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct TopologySpec {
  std::vector<TierSpec> tiers;
  std::vector<LinkSpec> links;
  uint64_t seed = 0;  // the run's: random decisions of the links (an object store's backoff jitter)
  std::string hardware_path;  // the hardware profile read, if the config names one
  std::optional<HostCpu> host_cpu;  // that profile's CPU, if it gives one
  bool exclusive = false;     // "inclusion": "exclusive": an object in one cache tier at a time
  // Whether a tier's policy reads the future of the trace (Belady): the workload must then
  // give every access its next-access index.
  bool has_offline_policy() const {
    for (const TierSpec& t : tiers)
      if (t.offline_policy) return true;
    return false;
  }
};

// Reads config.tiers (each tier's policy with its parameters), config.links and the
// optional config.hardware profile (a path, see models/links/hardware_profile.h), and
// checks that every tier has a way up to tier 0. `object_bytes` turns byte capacities
// into slots when every object has that size (0: keep byte capacities);
// `needs_writeback` makes a missing downward link an error (training mode).
TopologySpec parse_topology(const ConfigNode& config, uint64_t object_bytes, bool needs_writeback = false);

inline constexpr uint32_t kNoLink = UINT32_MAX;

// The index of the link from tier `from` to tier `to` among `links`, or kNoLink.
uint32_t link_between(const std::vector<LinkSpec>& links, uint32_t from, uint32_t to);

// Builds the link that carries out one link of the topology: the simulated model by
// default, real executors with `tiersim run --backend real`.
using LinkFactory = std::function<std::unique_ptr<ILink>(sim::Simulator&, const LinkSpec&)>;

class Topology {
 public:
  // `spec` comes from parse_topology(), which checked it.
  Topology(sim::Simulator& simulator, const TopologySpec& spec, const LinkFactory& make_link = {});
  ~Topology();

  size_t tier_count() const { return tiers_.size(); }
  uint32_t backing_tier() const { return static_cast<uint32_t>(tiers_.size() - 1); }
  Tier& tier(size_t i) { return *tiers_[i]; }
  const Tier& tier(size_t i) const { return *tiers_[i]; }
  // The index of the tier named `name`, UINT32_MAX if none.
  uint32_t tier_index(const std::string& name) const {
    for (uint32_t i = 0; i < tiers_.size(); ++i)
      if (tiers_[i]->name() == name) return i;
    return UINT32_MAX;
  }
  // Whether a tier's policy reads the future of the trace (Belady): the workload must then
  // give every access its next-access index.
  bool has_offline_policy() const { return offline_; }
  bool exclusive() const { return exclusive_; }
  size_t link_count() const { return links_.size(); }
  ILink& link(size_t i) { return *links_[i]; }
  const ILink& link(size_t i) const { return *links_[i]; }

  // A fresh, empty copy of tier `i` with its own policy instance (same parameters), for
  // workloads that give each worker its own instance of the upper tiers.
  std::unique_ptr<Tier> replicate_tier(uint32_t i) const;
  // A new instance of a link as this topology builds its own (by its model, through the
  // backing store's gate and codec), for workloads that give each worker its own links.
  std::unique_ptr<ILink> instantiate_link(const LinkSpec& spec);

  // The backing store's request counts and limits; its encoder and decoder (null unless
  // it stores its objects compressed).
  const ObjectStoreGate& object_store() const { return *gate_; }
  const QueueingLink* encoder() const { return encoder_.get(); }
  const QueueingLink* decoder() const { return decoder_.get(); }

  // The link from `from` to `to`, or kNoLink.
  uint32_t link_between(uint32_t from, uint32_t to) const;
  // Links an object found in tier `source` (> 0) crosses to reach tier 0, in order.
  const std::vector<uint32_t>& fetch_path(uint32_t source) const { return fetch_paths_[source]; }
  // The link that writes a dirty victim of tier `tier` into tier + 1 (kNoLink if none).
  uint32_t writeback_link(uint32_t tier) const { return writeback_links_[tier]; }

 private:
  std::vector<std::unique_ptr<Tier>> tiers_;
  std::vector<std::unique_ptr<ILink>> links_;
  std::vector<std::vector<uint32_t>> fetch_paths_;
  std::vector<uint32_t> writeback_links_;
  bool offline_ = false;
  bool exclusive_ = false;
  sim::Simulator& simulator_;
  LinkFactory make_link_;
  std::unique_ptr<ObjectStoreGate> gate_;
  std::unique_ptr<QueueingLink> encoder_, decoder_;
};

}  // namespace tiersim::models
