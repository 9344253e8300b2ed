#include "real_backend/calibration_measure.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include "real_backend/uring_executor.h"  // BackendUnavailable
#include "sim/config/units.h"

namespace tiersim::real {

namespace {

using Clock = std::chrono::steady_clock;

std::string size_text(uint64_t bytes) { return sim::units::format_bytes(bytes); }

}  // namespace

Measurement measure(Executor& executor, CompletionQueue& completions, const PointShape& shape, const std::function<Copy(unsigned)>& make) {
  const unsigned repeats = shape.repeats;
  const uint64_t bytes = shape.bytes;
  // The first touch of a size (page mappings, DMA descriptors, a sleeping link) is not
  // what a run that keeps moving such copies sees: one untimed copy goes first.
  Clock::time_point last_arrival;
  {
    Copy warm = make(0);
    warm.bytes = bytes;
    warm.id = repeats;  // not one of the timed ids
    executor.submit(warm);
    std::vector<Completion> warmed;
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
    while (warmed.empty() && Clock::now() < deadline) completions.wait_until(deadline, warmed);
    if (warmed.empty()) throw BackendUnavailable(executor.describe() + ": a " + size_text(bytes) + " copy did not finish within 60 s");
    if (!warmed.front().error.empty()) throw BackendUnavailable(executor.describe() + ": " + warmed.front().error);
    last_arrival = warmed.front().finished;
  }
  const bool spaced = shape.idle.count() > 0 && shape.concurrency == 1;
  std::vector<double> times, device_times;
  std::vector<Clock::time_point> submitted(repeats);
  std::vector<Completion> done;
  const Clock::time_point start = Clock::now();
  unsigned issued = 0, finished = 0;
  while (finished < repeats) {
    while (issued < repeats && issued - finished < shape.concurrency) {
      // Slept, not spun: a workload's compute leaves the machine's CPUs idle too.
      if (spaced) std::this_thread::sleep_until(last_arrival + shape.idle);
      Copy copy = make(issued);
      copy.bytes = bytes;
      copy.id = issued;
      submitted[issued] = Clock::now();
      executor.submit(copy);
      ++issued;
    }
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
    while (done.empty() && Clock::now() < deadline) completions.wait_until(deadline, done);
    if (done.empty()) {
      throw BackendUnavailable(executor.describe() + ": no " + size_text(bytes) + " copy finished within 60 s (" +
                               std::to_string(issued - finished) + " in flight)");
    }
    for (const Completion& c : done) {
      if (!c.error.empty()) throw BackendUnavailable(executor.describe() + ": " + c.error);
      times.push_back(std::chrono::duration<double>(c.finished - submitted[c.id]).count());
      if (c.device_seconds >= 0) device_times.push_back(c.device_seconds);
      last_arrival = std::max(last_arrival, c.finished);
      ++finished;
    }
    done.clear();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(times.begin(), times.end());
  Measurement m;
  m.executor = executor.describe();
  m.concurrency = shape.concurrency;
  m.bytes = bytes;
  m.repeats = repeats;
  m.idle_s = spaced ? std::chrono::duration<double>(shape.idle).count() : 0;
  m.median_s = times[times.size() / 2];
  for (double t : times) m.mean_s += t / static_cast<double>(times.size());
  m.min_s = times.front();
  m.max_s = times.back();
  m.aggregate_GBps = static_cast<double>(bytes) * repeats / wall / 1e9;
  if (device_times.size() == times.size()) {
    std::sort(device_times.begin(), device_times.end());
    m.device_median_s = device_times[device_times.size() / 2];
  }
  return m;
}

void show_progress(const Measurement& m, bool quiet) {
  if (quiet) return;
  char device[48] = "", idle[48] = "";
  if (m.device_median_s >= 0) std::snprintf(device, sizeof device, "  (device %.2f us)", m.device_median_s * 1e6);
  if (m.idle_s > 0) std::snprintf(idle, sizeof idle, " after %.0f us idle", m.idle_s * 1e6);
  std::fprintf(stderr, "calibrate: %-13s %s%s %9s x %-5u%s median %10.2f us  %8.3f GB/s%s\n", m.link.c_str(),
               m.queue_depth ? ("qd " + std::to_string(m.queue_depth) + " ").c_str() : "",
               m.concurrency > 1 ? ("x" + std::to_string(m.concurrency) + " in flight").c_str() : "", size_text(m.bytes).c_str(),
               m.repeats, idle, m.median_s * 1e6, m.aggregate_GBps, device);
}

}  // namespace tiersim::real
