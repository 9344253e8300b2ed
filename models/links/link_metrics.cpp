#include "models/links/link_metrics.h"

#include <algorithm>

#include "sim/output/metrics.h"

namespace tiersim::models {

void add_link_metrics(Metrics& m, const std::string& n, const LinkStats& s, sim::Time horizon, uint32_t instances) {
  const double seconds = sim::to_seconds(horizon);
  auto us = [](uint64_t ps) { return static_cast<double>(ps) / 1e6; };
  m.add(n + "_bytes", s.bytes);
  m.add(n + "_transfers", s.operations);
  m.add(n + "_busy_s", sim::to_seconds(s.busy_time));
  m.add(n + "_in_flight_s", sim::to_seconds(s.in_flight_time));
  m.add(n + "_utilization", horizon > 0 ? static_cast<double>(s.busy_time) / static_cast<double>(horizon) / instances : 0.0);
  m.add(n + "_GBps", seconds > 0 ? static_cast<double>(s.bytes) / seconds / 1e9 : 0.0);
  m.add(n + "_service_s", sim::to_seconds(s.service_time));
  m.add(n + "_latency_p50_us", us(s.latency.quantile(0.50)));
  m.add(n + "_latency_p99_us", us(s.latency.quantile(0.99)));
}

LinkStats over_window(LinkStats stats, const std::vector<LinkTotals>& totals) {
  stats.bytes = stats.operations = 0;
  stats.busy_time = stats.in_flight_time = stats.service_time = 0;
  for (const LinkTotals& t : totals) {
    stats.bytes += t.bytes;
    stats.operations += t.operations;
    stats.busy_time += t.busy_time;
    stats.in_flight_time += t.in_flight_time;
    stats.service_time += t.service_time;
  }
  return stats;
}

void accumulate(LinkStats& into, const LinkStats& from) {
  into.bytes += from.bytes;
  into.operations += from.operations;
  into.busy_time += from.busy_time;
  into.in_flight_time += from.in_flight_time;
  into.service_time += from.service_time;
  into.max_queued = std::max(into.max_queued, from.max_queued);
  into.latency.merge(from.latency);
}

}  // namespace tiersim::models
