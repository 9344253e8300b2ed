#include "traces/stats/trace_stats.h"

#include <cstdarg>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sim/containers/flat_map.h"
#include "traces/stats/stack_distance.h"

namespace tiersim::traces {

namespace {

// Distinct objects per consecutive window of `steps` steps.
class WindowCounter {
 public:
  explicit WindowCounter(uint64_t steps) { result_.window_steps = steps; }

  void access(uint64_t step_index, uint64_t key) {
    const uint64_t window = step_index / result_.window_steps;
    if (window != current_) close(window);
    uint64_t& seen = last_window_.find_or_insert(key, UINT64_MAX);
    if (seen != window) {
      seen = window;
      ++distinct_;
    }
  }
  WorkingSet finish() {
    close(UINT64_MAX);
    if (result_.windows) result_.mean_objects = static_cast<double>(total_) / static_cast<double>(result_.windows);
    return result_;
  }

 private:
  void close(uint64_t next) {
    if (current_ != UINT64_MAX) {
      ++result_.windows;
      total_ += distinct_;
      if (distinct_ > result_.max_objects) result_.max_objects = distinct_;
    }
    current_ = next;
    distinct_ = 0;
  }

  WorkingSet result_;
  sim::FlatMap<uint64_t> last_window_;
  uint64_t current_ = UINT64_MAX;
  uint64_t distinct_ = 0, total_ = 0;
};

}  // namespace

TraceStats compute_trace_stats(TraceReader& trace, const std::vector<uint64_t>& window_steps) {
  TraceStats stats;
  stats.reuse_log2.assign(65, 0);
  StackDistance stack;
  sim::FlatMap<uint64_t> last_step_of;  // object -> step index of its last access
  sim::FlatMap<uint8_t> layers;
  std::vector<WindowCounter> windows;
  for (uint64_t w : window_steps) windows.emplace_back(w);

  std::vector<Access> batch(1 << 14);
  uint64_t step_index = 0, unique_in_step = 0;
  uint64_t current_step = 0;
  bool any = false;
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) {
    for (size_t i = 0; i < n; ++i) {
      const Access& a = batch[i];
      if (!any || a.step != current_step) {
        if (any) {
          stats.unique_per_step.record(unique_in_step);
          ++step_index;
        }
        any = true;
        current_step = a.step;
        unique_in_step = 0;
      }
      ++stats.accesses;
      uint64_t& last = last_step_of.find_or_insert(a.object, UINT64_MAX);
      if (last != step_index) {
        last = step_index;
        ++unique_in_step;
      }
      layers.find_or_insert(a.layer(), 1);
      const uint64_t distance = stack.access(a.object);
      if (distance == StackDistance::kCold) {
        ++stats.cold_accesses;
      } else {
        stats.reuse_distance.record(distance);
        ++stats.reuse_log2[distance == 0 ? 0 : 64 - __builtin_clzll(distance)];
      }
      for (WindowCounter& w : windows) w.access(step_index, a.object);
    }
  }
  if (any) {
    stats.unique_per_step.record(unique_in_step);
    stats.steps = step_index + 1;
  }
  stats.objects = stack.distinct_objects();
  stats.layers = layers.size();
  for (WindowCounter& w : windows) stats.working_sets.push_back(w.finish());
  return stats;
}

namespace {

// printf into a line of the report; the attribute lets the compiler check every format.
[[gnu::format(printf, 2, 3)]] void append_line(std::string& out, const char* format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  out += line;
}

}  // namespace

std::string format_trace_stats(const TraceStats& s, const std::string& source) {
  std::string out;
  auto add = [&out](const char* text) { out += text; };
  using ull = unsigned long long;
  append_line(out, "trace: %s\n", source.c_str());
  append_line(out, "  accesses %llu, steps %llu, distinct objects %llu (layer, expert), layers %llu\n", ull(s.accesses), ull(s.steps),
      ull(s.objects), ull(s.layers));
  append_line(out, "unique experts per step: mean %.3f, min %llu, p50 %llu, p99 %llu, max %llu\n", s.unique_per_step.mean(),
      ull(s.unique_per_step.min()), ull(s.unique_per_step.quantile(0.5)), ull(s.unique_per_step.quantile(0.99)),
      ull(s.unique_per_step.max()));
  const uint64_t warm = s.reuse_distance.count();
  append_line(out, "reuse distance (distinct objects between reuses): %llu cold accesses, %llu reuses\n", ull(s.cold_accesses), ull(warm));
  if (warm) {
    append_line(out, "  p50 %llu, p90 %llu, p99 %llu, max %llu\n", ull(s.reuse_distance.quantile(0.5)), ull(s.reuse_distance.quantile(0.9)),
        ull(s.reuse_distance.quantile(0.99)), ull(s.reuse_distance.max()));
    uint64_t cumulative = 0;
    for (size_t k = 0; k < s.reuse_log2.size(); ++k) {
      if (!s.reuse_log2[k]) continue;
      cumulative += s.reuse_log2[k];
      const ull low = k == 0 ? 0 : (1ull << (k - 1)), high = k == 0 ? 0 : (1ull << k) - 1;
      append_line(out, "  [%llu, %llu]: %llu (%.2f%%, cumulative %.2f%%)\n", low, high, ull(s.reuse_log2[k]),
          100.0 * double(s.reuse_log2[k]) / double(warm), 100.0 * double(cumulative) / double(warm));
    }
  }
  add("working set (distinct objects per window of steps):\n");
  for (const WorkingSet& w : s.working_sets) {
    append_line(out, "  %llu steps: mean %.2f, max %llu over %llu windows\n", ull(w.window_steps), w.mean_objects, ull(w.max_objects),
        ull(w.windows));
  }
  return out;
}

void trace_stats_to_json(const TraceStats& s, nlohmann::ordered_json& out) {
  out["accesses"] = s.accesses;
  out["steps"] = s.steps;
  out["objects"] = s.objects;
  out["layers"] = s.layers;
  out["unique_per_step"] = {{"mean", s.unique_per_step.mean()}, {"min", s.unique_per_step.min()},
                            {"p50", s.unique_per_step.quantile(0.5)}, {"p99", s.unique_per_step.quantile(0.99)},
                            {"max", s.unique_per_step.max()}};
  nlohmann::ordered_json reuse = {{"cold", s.cold_accesses}, {"reuses", s.reuse_distance.count()},
                                  {"p50", s.reuse_distance.quantile(0.5)}, {"p90", s.reuse_distance.quantile(0.9)},
                                  {"p99", s.reuse_distance.quantile(0.99)}, {"max", s.reuse_distance.max()}};
  nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
  for (size_t k = 0; k < s.reuse_log2.size(); ++k) {
    if (!s.reuse_log2[k]) continue;
    const uint64_t low = k == 0 ? 0 : (1ull << (k - 1)), high = k == 0 ? 0 : (1ull << k) - 1;
    buckets.push_back({{"min", low}, {"max", high}, {"count", s.reuse_log2[k]}});
  }
  reuse["histogram"] = buckets;
  out["reuse_distance"] = reuse;
  nlohmann::ordered_json ws = nlohmann::ordered_json::array();
  for (const WorkingSet& w : s.working_sets) {
    ws.push_back({{"window_steps", w.window_steps}, {"windows", w.windows}, {"mean", w.mean_objects}, {"max", w.max_objects}});
  }
  out["working_set"] = ws;
}

}  // namespace tiersim::traces
