#include "real_backend/calibration_measure.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include "sim/config/units.h"
#include "sim/engine/progress.h"

namespace tiersim::real {

namespace {

using Clock = std::chrono::steady_clock;

std::string size_text(uint64_t bytes) { return sim::units::format_bytes(bytes); }

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The statistics of `m.times_s` and `m.device_times_s` over `m.wall_s`.
void summarise(Measurement& m) {
  m.repeats = static_cast<unsigned>(m.times_s.size());
  m.median_s = median_of(m.times_s);
  m.mean_s = 0;
  for (double t : m.times_s) m.mean_s += t / static_cast<double>(m.times_s.size());
  const auto [low, high] = std::minmax_element(m.times_s.begin(), m.times_s.end());
  m.min_s = *low;
  m.max_s = *high;
  m.aggregate_GBps = static_cast<double>(m.bytes) * m.repeats / m.wall_s / 1e9;
  m.device_median_s = !m.device_times_s.empty() && m.device_times_s.size() == m.times_s.size() ? median_of(m.device_times_s) : -1;
}

}  // namespace

Measurement measure(Executor& executor, CompletionQueue& completions, const PointShape& shape, const std::function<Copy(unsigned)>& make) {
  const unsigned repeats = shape.repeats;
  const uint64_t bytes = shape.bytes;
  // The first touch of a size (page mappings, DMA descriptors, a sleeping link) is not
  // what a run that keeps moving such copies sees: one untimed copy goes first. It is the
  // copy numbered after the timed ones: made as copy 0 it would leave copy 0's buffers in
  // the CPU's caches (a 16 MiB host copy repeated at once ran at 24-25 GB/s on the
  // development VM, against 17-19 GB/s between buffers not just used).
  Clock::time_point last_arrival;
  {
    Copy warm = make(repeats);
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
  sim::progress::check_stop();  // between measurements: nothing is in flight
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
  Measurement m;
  m.executor = executor.describe();
  m.concurrency = shape.concurrency;
  m.bytes = bytes;
  m.idle_s = spaced ? std::chrono::duration<double>(shape.idle).count() : 0;
  m.times_s = std::move(times);
  m.device_times_s = std::move(device_times);
  m.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  summarise(m);
  return m;
}

Measurement combine_rounds(const std::vector<Measurement>& rounds) {
  Measurement m = rounds.front();
  m.round = 0;
  m.rounds = static_cast<unsigned>(rounds.size());
  m.times_s.clear();
  m.device_times_s.clear();
  m.wall_s = 0;
  double lowest = rounds.front().median_s, highest = lowest;
  for (const Measurement& r : rounds) {
    m.times_s.insert(m.times_s.end(), r.times_s.begin(), r.times_s.end());
    m.device_times_s.insert(m.device_times_s.end(), r.device_times_s.begin(), r.device_times_s.end());
    m.wall_s += r.wall_s;
    lowest = std::min(lowest, r.median_s);
    highest = std::max(highest, r.median_s);
  }
  summarise(m);
  m.round_spread = (highest - lowest) / m.median_s;
  return m;
}

double rounds_apart(const std::vector<std::vector<Measurement>>& by_size, uint64_t from_bytes) {
  std::vector<double> bytes, seconds;
  for (const std::vector<Measurement>& rounds : by_size) {
    if (rounds.empty() || rounds.front().bytes < from_bytes) continue;
    bytes.resize(std::max(bytes.size(), rounds.size()));
    seconds.resize(bytes.size());
    for (size_t r = 0; r < rounds.size(); ++r) {
      bytes[r] += static_cast<double>(rounds[r].bytes) * static_cast<double>(rounds[r].times_s.size());
      for (double t : rounds[r].times_s) seconds[r] += t;
    }
  }
  if (bytes.size() < 2) return 0;
  std::vector<double> bandwidth;
  for (size_t r = 0; r < bytes.size(); ++r) bandwidth.push_back(bytes[r] / seconds[r]);
  const auto [low, high] = std::minmax_element(bandwidth.begin(), bandwidth.end());
  return (*high - *low) / median_of(bandwidth);
}

void show_progress(const Measurement& m, bool quiet) {
  if (quiet) return;
  char device[48] = "", idle[48] = "", round[48] = "", depth[32] = "", flight[48] = "";
  if (m.queue_depth) std::snprintf(depth, sizeof depth, "qd %u ", m.queue_depth);
  if (m.concurrency > 1) std::snprintf(flight, sizeof flight, "x%u in flight", m.concurrency);
  if (m.device_median_s >= 0) std::snprintf(device, sizeof device, "  (device %.2f us)", m.device_median_s * 1e6);
  if (m.idle_s > 0) std::snprintf(idle, sizeof idle, " after %.0f us idle", m.idle_s * 1e6);
  if (m.rounds > 1) std::snprintf(round, sizeof round, " round %u/%u", m.round, m.rounds);
  std::fprintf(stderr, "calibrate: %-13s %s%s %9s x %-5u%s%s median %10.2f us  %8.3f GB/s%s\n", m.link.c_str(),
               depth, flight, size_text(m.bytes).c_str(),
               m.repeats, idle, round, m.median_s * 1e6, m.aggregate_GBps, device);
}

}  // namespace tiersim::real
