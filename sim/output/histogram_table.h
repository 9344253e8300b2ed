#pragma once
// A run's distributions as histograms.csv: one row per non-empty bucket of each histogram
// (histogram, unit, lower, upper, count), so that plots draw CDFs from the buckets rather
// than from a few percentiles, and results.csv keeps one row per run.
#include <cstdint>
#include <string>
#include <vector>

namespace sim {
class LogHistogram;
}

namespace tiersim {

class HistogramTable {
 public:
  // Adds `histogram`'s buckets under `name`; values are divided by `per_unit` (1e6 turns
  // picoseconds into `unit` "us"). Empty histograms add nothing.
  void add(const std::string& name, const std::string& unit, const sim::LogHistogram& histogram, double per_unit);
  // The CSV with its header; empty when no histogram had values.
  std::string csv() const;

 private:
  std::string rows_;
};

// The picosecond durations as a histogram (a workload that keeps exact values for its
// percentiles exports them bucketed).
sim::LogHistogram histogram_of(const std::vector<int64_t>& picoseconds);

}  // namespace tiersim
