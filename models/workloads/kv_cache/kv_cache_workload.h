#pragma once
// KV-cache serving as a registered workload ("workload.type": "kv_cache"): its parsed
// spec, which simulates itself (models/workloads/i_workload.h). `tiersim trace gen-kv`
// reads the spec to write its synthetic requests.
#include "models/workloads/i_workload.h"
#include "models/workloads/kv_cache/kv_serving_spec.h"

namespace tiersim::models {

class KvCacheWorkload final : public WorkloadSpec {
 public:
  explicit KvCacheWorkload(KvServingSpec spec) : spec_(std::move(spec)) {}
  const KvServingSpec& spec() const { return spec_; }
  WorkloadRun simulate(const TopologySpec& topology, const std::string& name) const override;

 private:
  KvServingSpec spec_;
};

// The summary `tiersim run` prints for a KV-cache run; `row` holds its columns.
void print_kv_cache_summary(const std::string& name, const TopologySpec& topology, const Metrics& row, double wall_seconds,
                            uint64_t events, const std::string& out_dir);

}  // namespace tiersim::models
