#pragma once
// The topology as several workers see it: tiers above `first_shared` (HBM, DRAM, a local
// NVMe...) exist once per worker, the tiers from `first_shared` down (a pooled tier, the
// object store) once for all. A link between two per-worker tiers, or between a
// per-worker and a shared tier (each worker's own NIC or PCIe), exists once per worker
// unless it is listed as shared; a link between shared tiers exists once.
// Worker 0 uses the topology's own tiers and links, so one worker is the topology itself.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/links/i_link.h"
#include "models/cache/tier.h"

namespace tiersim::models {

class Topology;

class WorkerTiers {
 public:
  // `shared_links[l]`: link l is one instance for all workers.
  WorkerTiers(Topology& topology, uint32_t workers, uint32_t first_shared, const std::vector<bool>& shared_links);
  ~WorkerTiers();

  uint32_t workers() const { return workers_; }
  uint32_t tier_count() const { return tier_count_; }
  uint32_t first_shared() const { return first_shared_; }
  // Worker w's instance of logical tier t, and its dense id among all instances.
  Tier& tier(uint32_t w, uint32_t t) const { return *tier_at_[w * tier_count_ + t]; }
  uint32_t tier_id(uint32_t w, uint32_t t) const { return t < first_shared_ ? w * tier_count_ + t : t; }
  Tier& tier_by_id(uint32_t id) const { return *tier_at_[id]; }
  uint32_t tier_ids() const { return workers_ * tier_count_; }  // ids of shared tiers repeat worker 0's
  // Worker w's instance of logical link l.
  ILink& link(uint32_t w, uint32_t l) const { return *link_at_[w * link_count_ + l]; }
  uint32_t link_count() const { return link_count_; }
  // How many instances logical tier t / link l has.
  uint32_t tier_instances(uint32_t t) const { return t < first_shared_ ? workers_ : 1; }
  uint32_t link_instances(uint32_t l) const { return link_per_worker_[l] ? workers_ : 1; }

 private:
  uint32_t workers_, tier_count_, link_count_, first_shared_;
  std::vector<Tier*> tier_at_;
  std::vector<ILink*> link_at_;
  std::vector<bool> link_per_worker_;
  std::vector<std::unique_ptr<Tier>> own_tiers_;
  std::vector<std::unique_ptr<ILink>> own_links_;
};

}  // namespace tiersim::models
