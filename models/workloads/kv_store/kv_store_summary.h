#pragma once
// The summary `tiersim run` prints for a KV-store run; `row` holds its columns.
#include <cstdint>
#include <string>

#include "sim/output/metrics.h"

namespace tiersim::models {

struct TopologySpec;

void print_kv_store_summary(const std::string& name, const TopologySpec& topology, const Metrics& row, double wall_seconds,
                            uint64_t events, const std::string& out_dir);

}  // namespace tiersim::models
