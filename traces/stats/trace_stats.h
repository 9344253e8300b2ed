#pragma once
// `tiersim trace stats`: what a routing trace looks like to a cache — unique experts per
// step, the reuse (stack) distance distribution, and the working set over windows of
// steps. One streaming pass; memory proportional to the number of objects.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "sim/stats/log_histogram.h"
#include "traces/trace_reader.h"

namespace tiersim::traces {

struct WorkingSet {
  uint64_t window_steps = 0;
  uint64_t windows = 0;
  double mean_objects = 0;
  uint64_t max_objects = 0;
};

struct TraceStats {
  uint64_t accesses = 0;
  uint64_t steps = 0;
  uint64_t objects = 0;  // distinct (layer, expert) pairs
  uint64_t layers = 0;
  sim::LogHistogram unique_per_step;
  uint64_t cold_accesses = 0;          // first accesses
  sim::LogHistogram reuse_distance;    // warm accesses only
  std::vector<uint64_t> reuse_log2;    // [0]: distance 0, [k]: distance in [2^(k-1), 2^k)
  std::vector<WorkingSet> working_sets;
};

TraceStats compute_trace_stats(TraceReader& trace, const std::vector<uint64_t>& window_steps);

std::string format_trace_stats(const TraceStats& stats, const std::string& source);
void trace_stats_to_json(const TraceStats& stats, nlohmann::ordered_json& out);

}  // namespace tiersim::traces
