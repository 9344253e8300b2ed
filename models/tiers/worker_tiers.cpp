#include "models/tiers/worker_tiers.h"

#include "models/links/queueing_link.h"
#include "models/tiers/topology.h"

namespace tiersim::models {

WorkerTiers::WorkerTiers(Topology& topology, uint32_t workers, uint32_t first_shared, const std::vector<bool>& shared_links)
    : workers_(workers),
      tier_count_(static_cast<uint32_t>(topology.tier_count())),
      link_count_(static_cast<uint32_t>(topology.link_count())),
      first_shared_(first_shared) {
  tier_at_.resize(size_t{workers_} * tier_count_);
  for (uint32_t w = 0; w < workers_; ++w) {
    for (uint32_t t = 0; t < tier_count_; ++t) {
      Tier* tier = &topology.tier(t);
      if (w > 0 && t < first_shared_) {
        own_tiers_.push_back(topology.replicate_tier(t));
        tier = own_tiers_.back().get();
      }
      tier_at_[w * tier_count_ + t] = tier;
    }
  }
  link_per_worker_.resize(link_count_);
  link_at_.resize(size_t{workers_} * link_count_);
  for (uint32_t l = 0; l < link_count_; ++l) {
    const LinkSpec& spec = topology.link(l).spec();
    link_per_worker_[l] = (spec.from_tier < first_shared_ || spec.to_tier < first_shared_) && !(l < shared_links.size() && shared_links[l]);
    for (uint32_t w = 0; w < workers_; ++w) {
      ILink* link = &topology.link(l);
      if (w > 0 && link_per_worker_[l]) {
        own_links_.push_back(topology.instantiate_link(spec));
        link = own_links_.back().get();
      }
      link_at_[w * link_count_ + l] = link;
    }
  }
}

WorkerTiers::~WorkerTiers() = default;

}  // namespace tiersim::models
