#include "real_backend/prediction.h"

#include <cmath>
#include <cstdio>

#include "models/tiers/topology.h"
#include "sim/output/metrics.h"

namespace tiersim::real {

Comparison compare(const Metrics& predicted, const Metrics& measured, const models::Topology& topology) {
  std::vector<std::string> names = {"sim_time_s", "step_time_mean_us", "step_time_p50_us", "step_time_p99_us", "stall_time_s"};
  for (size_t i = 0; i < topology.link_count(); ++i) {
    const std::string& n = topology.link(i).spec().name;
    for (const char* suffix : {"_bytes", "_in_flight_s", "_latency_p50_us", "_latency_p99_us"}) names.push_back(n + suffix);
  }
  Comparison c;
  for (const std::string& n : names) c.figures.push_back(Figure{n, predicted.number(n), measured.number(n)});
  return c;
}

void Comparison::append_columns(Metrics& row) const {
  for (const Figure& f : figures) {
    row.add("predicted_" + f.name, f.predicted);
    row.add("error_" + f.name, f.error());
  }
}

std::string Comparison::csv() const {
  std::string out = "figure,predicted,measured,relative_error\n";
  for (const Figure& f : figures) {
    out += f.name + "," + Metrics::format(f.predicted) + "," + Metrics::format(f.measured) + "," + Metrics::format(f.error()) + "\n";
  }
  return out;
}

std::string Comparison::table() const {
  std::string out = "  figure                          predicted       measured      error\n";
  char line[160];
  for (const Figure& f : figures) {
    std::snprintf(line, sizeof line, "  %-28s %12.6g %14.6g %+9.1f %%\n", f.name.c_str(), f.predicted, f.measured, 100.0 * f.error());
    out += line;
  }
  return out;
}

nlohmann::ordered_json Comparison::to_json() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Figure& f : figures) {
    out.push_back({{"figure", f.name}, {"predicted", f.predicted}, {"measured", f.measured}, {"relative_error", f.error()}});
  }
  return out;
}

}  // namespace tiersim::real
