#pragma once
// The figures every workload reports for a link, under one naming scheme:
// NAME_bytes, _transfers, _busy_s, _utilization, _GBps, _service_s, _latency_p50_us, _p99_us.
#include <string>

#include "models/links/i_link.h"

namespace tiersim {
class Metrics;
}

namespace tiersim::models {

// `horizon` is the simulated time utilization and throughput are taken over.
void add_link_metrics(Metrics& metrics, const std::string& name, const LinkStats& stats, sim::Time horizon);

}  // namespace tiersim::models
