#include "sim/output/histogram_table.h"

#include <cstdio>

#include "sim/stats/log_histogram.h"

namespace tiersim {

void HistogramTable::add(const std::string& name, const std::string& unit, const sim::LogHistogram& histogram,
                         double per_unit) {
  histogram.for_each_bucket([&](uint64_t lower, uint64_t upper, uint64_t count) {
    char line[160];
    std::snprintf(line, sizeof line, ",%.9g,%.9g,%llu\n", static_cast<double>(lower) / per_unit,
                  static_cast<double>(upper) / per_unit, static_cast<unsigned long long>(count));
    rows_.append(name).append(",").append(unit).append(line);
  });
}

std::string HistogramTable::csv() const { return rows_.empty() ? std::string() : "histogram,unit,lower,upper,count\n" + rows_; }

sim::LogHistogram histogram_of(const std::vector<int64_t>& picoseconds) {
  sim::LogHistogram h;
  for (int64_t t : picoseconds) h.record(t < 0 ? 0 : static_cast<uint64_t>(t));
  return h;
}

}  // namespace tiersim
