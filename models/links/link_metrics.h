#pragma once
// The figures every workload reports for a link, under one naming scheme:
// NAME_bytes, _transfers, _busy_s, _utilization, _GBps, _service_s, _latency_p50_us, _p99_us.
#include <string>
#include <vector>

#include "models/links/i_link.h"

namespace tiersim {
class Metrics;
}

namespace tiersim::models {

// `horizon` is the simulated time utilization and throughput are taken over. For a link
// with several instances (one per worker), `stats` is their sum and utilization their mean.
void add_link_metrics(Metrics& metrics, const std::string& name, const LinkStats& stats, sim::Time horizon,
                      uint32_t instances = 1);

// Adds `from` to `into` (counts, times and latency histograms).
void accumulate(LinkStats& into, const LinkStats& from);

// `stats` with its counts and times replaced by the sum of `totals` (taken at the end of a
// window the link is reported over); the latency histogram stays every transfer's.
LinkStats over_window(LinkStats stats, const std::vector<LinkTotals>& totals);

}  // namespace tiersim::models
