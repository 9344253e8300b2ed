#include "real_backend/calibrate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "real_backend/calibration_fit.h"
#include "real_backend/cuda_backend.h"
#include "real_backend/machine_checks.h"
#include "real_backend/memcpy_executor.h"
#include "real_backend/pattern.h"
#include "real_backend/tier_store.h"
#include "real_backend/uring_executor.h"
#include "sim/config/input_error.h"
#include "sim/config/units.h"
#include "sim/driver/commands.h"
#include "sim/output/metrics.h"
#include "sim/output/results_writer.h"
#include "tiersim/version.h"

namespace tiersim::real {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t bytes_option(const std::string& flag, const std::string& text) {
  uint64_t n = 0;
  try {
    n = sim::units::parse_bytes(text);
  } catch (const std::exception& e) {
    throw InputError(flag + ": " + e.what());
  }
  if (n < 4096 || n % 4096 != 0) throw InputError(flag + ": expected a multiple of 4 KiB, got \"" + text + "\"");
  return n;
}

std::string size_text(uint64_t bytes) { return sim::units::format_bytes(bytes); }

// Moves `repeats` copies made by `make(i)` through `executor`, `concurrency` at a time,
// and times each from submission to completion. One untimed copy goes first: the first
// touch of a size (page mappings, DMA descriptors, a sleeping link) is not what a run
// that keeps moving such copies sees.
template <typename MakeCopy>
Measurement measure(Executor& executor, CompletionQueue& completions, unsigned concurrency, unsigned repeats, uint64_t bytes,
                    MakeCopy make) {
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
  }
  std::vector<double> times, device_times;
  std::vector<Clock::time_point> submitted(repeats);
  std::vector<Completion> done;
  const Clock::time_point start = Clock::now();
  unsigned issued = 0, finished = 0;
  while (finished < repeats) {
    while (issued < repeats && issued - finished < concurrency) {
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
      ++finished;
    }
    done.clear();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(times.begin(), times.end());
  Measurement m;
  m.executor = executor.describe();
  m.concurrency = concurrency;
  m.bytes = bytes;
  m.repeats = repeats;
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

class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet) {}
  void show(const Measurement& m) {
    if (quiet_) return;
    char device[48] = "";
    if (m.device_median_s >= 0) std::snprintf(device, sizeof device, "  (device %.2f us)", m.device_median_s * 1e6);
    std::fprintf(stderr, "calibrate: %-13s %s%s %9s x %-5u median %10.2f us  %8.3f GB/s%s\n", m.link.c_str(),
                 m.queue_depth ? ("qd " + std::to_string(m.queue_depth) + " ").c_str() : "",
                 m.concurrency > 1 ? ("x" + std::to_string(m.concurrency) + " in flight").c_str() : "", size_text(m.bytes).c_str(),
                 m.repeats, m.median_s * 1e6, m.aggregate_GBps, device);
  }

 private:
  bool quiet_;
};

std::vector<uint64_t> sizes_between(uint64_t low, uint64_t high) {
  std::vector<uint64_t> sizes;
  for (uint64_t s = low; s <= high; s *= 2) sizes.push_back(s);
  if (sizes.back() != high) sizes.push_back(high);
  return sizes;
}

unsigned repeats_for(uint64_t bytes, uint64_t per_point) {
  return static_cast<unsigned>(std::clamp<uint64_t>(per_point / bytes, 5, 2000));
}

// A link model for the profile from the fit of its concurrency-1 series.
nlohmann::ordered_json profile_entry(const LinkFit& fit, bool fixed_cost_occupies) {
  auto duration = [](double seconds) {
    char text[48];
    std::snprintf(text, sizeof text, "%.3f us", seconds * 1e6);
    return std::string(text);
  };
  auto bandwidth = [](double Bps) {
    char text[48];
    std::snprintf(text, sizeof text, "%.1f MB/s", Bps / 1e6);
    return std::string(text);
  };
  nlohmann::ordered_json e;
  e["bandwidth"] = bandwidth(fit.large.bandwidth_Bps());
  // A host copy keeps its thread busy for the fixed cost; a device's latency overlaps.
  e[fixed_cost_occupies ? "per_io_overhead" : "latency"] = duration(fit.large.latency_s);
  e["channels"] = 1;
  e["sharing"] = "fifo";
  if (fit.small) {
    e["small_transfers"] = {{"below", size_text(static_cast<uint64_t>(fit.small_below))},
                            {"bandwidth", bandwidth(fit.small->bandwidth_Bps() > 0 ? fit.small->bandwidth_Bps() : fit.large.bandwidth_Bps())},
                            {fixed_cost_occupies ? "per_io_overhead" : "latency", duration(fit.small->latency_s)}};
  }
  return e;
}

}  // namespace

int calibrate_command(const CalibrateOptions& options) {
  if (options.out.empty() || std::filesystem::path(options.out).extension() != ".json") {
    throw InputError("--out: expected the profile's path ending in .json (configs/hardware/NAME.json), got \"" + options.out + "\"");
  }
  const uint64_t low = bytes_option("--min-size", options.min_size);
  const uint64_t high = bytes_option("--max-size", options.max_size);
  if (low > high) throw InputError("--min-size is larger than --max-size");
  const uint64_t block = bytes_option("--block-size", options.block_size);
  uint64_t per_point = 0;
  try {
    per_point = sim::units::parse_bytes(options.bytes_per_point);
  } catch (const std::exception& e) {
    throw InputError(std::string("--bytes-per-point: ") + e.what());
  }
  for (unsigned qd : options.queue_depths)
    if (qd == 0 || qd > 4096) throw InputError("--queue-depths: expected values from 1 to 4096");
  if (std::find(options.queue_depths.begin(), options.queue_depths.end(), options.queue_depth) == options.queue_depths.end()) {
    throw InputError("--queue-depth " + std::to_string(options.queue_depth) + " (the profile's) must be one of --queue-depths");
  }
  for (unsigned s : options.streams)
    if (s == 0 || s > 64) throw InputError("--streams: expected values from 1 to 64");
  const uint64_t region = options.buffer.empty() ? std::max<uint64_t>(2 * high, 512ull << 20) : bytes_option("--buffer", options.buffer);
  if (region < high) {
    throw InputError("--buffer " + size_text(region) + " is smaller than the largest transfer (--max-size " + size_text(high) +
                     "); give at least " + size_text(high));
  }
  const std::vector<uint64_t> sizes = sizes_between(low, high);
  const std::string nvme_dir = options.nvme_dir.empty() ? "." : options.nvme_dir;
  const uint64_t file_bytes = std::max<uint64_t>(2 * high, 1ull << 30);

  // Everything the machine must offer is checked before anything is measured.
  require_memory(2 * region, "calibrating with transfers up to " + size_text(high));
  if (!options.skip_files) require_direct_io_dir(nvme_dir, file_bytes);
  std::string gpu_name;
  if (options.gpu >= 0) gpu_name = gpu_description(options.gpu);

  std::vector<Measurement> points;
  Progress progress(options.quiet);
  std::mt19937_64 rng(1);
  CompletionQueue completions;
  HostBuffer source(region), destination(region);
  fill_pattern(source.data(), region, 1, 0);
  fill_pattern(destination.data(), region, 2, 0);
  auto rotating = [&](unsigned i, uint64_t bytes) { return (uint64_t{i} * bytes) % (region / bytes * bytes); };

  if (!options.skip_memcpy) {
    for (unsigned threads : {1u, 2u}) {
      auto executor = make_memcpy_executor(completions, threads);
      for (uint64_t bytes : sizes) {
        Measurement m = measure(*executor, completions, threads, repeats_for(bytes, per_point), bytes, [&](unsigned i) {
          Copy c;
          const uint64_t offset = rotating(i, bytes);
          c.from = Location{Location::Kind::kHost, source.data() + offset, -1, 0};
          c.to = Location{Location::Kind::kHost, destination.data() + offset, -1, 0};
          return c;
        });
        m.link = "host_copy";
        progress.show(m);
        points.push_back(m);
      }
    }
  }

  if (!options.skip_files) {
    const std::string path = nvme_dir + "/tiersim-calibrate.bin";
    const int fd = open_direct(path);
    struct Closer {
      int fd;
      std::string path;
      ~Closer() {
        close(fd);
        std::filesystem::remove(path);
      }
    } closer{fd, path};
    // Written in full first: reading never-written blocks would not touch the disk.
    if (!options.quiet) std::fprintf(stderr, "calibrate: writing a %s test file in %s\n", size_text(file_bytes).c_str(), nvme_dir.c_str());
    {
      auto writer = make_uring_executor(completions, 8, block);
      const uint64_t piece = std::min<uint64_t>(high, 64ull << 20);
      measure(*writer, completions, 1, static_cast<unsigned>(file_bytes / piece), piece, [&](unsigned i) {
        Copy c;
        c.from = Location{Location::Kind::kHost, source.data(), -1, 0};
        c.to = Location{Location::Kind::kFile, nullptr, fd, uint64_t{i} * piece};
        return c;
      });
    }
    for (bool reading : {true, false}) {
      for (unsigned qd : options.queue_depths) {
        auto executor = make_uring_executor(completions, qd, block);
        for (uint64_t bytes : sizes) {
          const uint64_t places = file_bytes / bytes;
          Measurement m = measure(*executor, completions, 1, repeats_for(bytes, per_point), bytes, [&](unsigned i) {
            Copy c;
            const Location file{Location::Kind::kFile, nullptr, fd, (rng() % places) * bytes};
            const Location memory{Location::Kind::kHost, (reading ? destination.data() : source.data()) + rotating(i, bytes), -1, 0};
            c.from = reading ? file : memory;
            c.to = reading ? memory : file;
            return c;
          });
          m.link = reading ? "nvme_read" : "nvme_write";
          m.queue_depth = qd;
          progress.show(m);
          points.push_back(m);
        }
      }
    }
  }

  if (options.gpu >= 0) {
    CudaBuffer device = cuda_allocate(options.gpu, high, CudaBuffer::Kind::kDevice);
    CudaBuffer pinned = cuda_allocate(options.gpu, high, CudaBuffer::Kind::kPinned);
    CudaBuffer pageable = cuda_allocate(options.gpu, high, CudaBuffer::Kind::kPageable);
    for (unsigned streams : options.streams) {
      auto executor = make_cuda_executor(completions, options.gpu, streams);
      for (const CudaBuffer* host : {&pinned, &pageable}) {
        const std::string kind = host == &pinned ? "pinned" : "pageable";
        for (bool to_device : {true, false}) {
          for (uint64_t bytes : sizes) {
            const unsigned slots = static_cast<unsigned>(std::max<uint64_t>(1, high / bytes));
            Measurement m = measure(*executor, completions, streams, repeats_for(bytes, per_point), bytes, [&](unsigned i) {
              const uint64_t offset = (i % std::min(slots, streams)) * bytes;
              const Location h{Location::Kind::kHost, host->data + offset, -1, 0};
              const Location d{Location::Kind::kDevice, device.data + offset, -1, 0};
              Copy c;
              c.from = to_device ? h : d;
              c.to = to_device ? d : h;
              return c;
            });
            m.link = std::string(to_device ? "h2d_" : "d2h_") + kind;
            progress.show(m);
            points.push_back(m);
          }
        }
      }
    }
    cuda_free(device);
    cuda_free(pinned);
    cuda_free(pageable);
  }
  if (points.empty()) throw InputError("nothing to measure: every link was skipped");

  // Fits: each link's concurrency-1 series (files at the profile's queue depth).
  std::map<std::string, std::vector<Sample>> series;
  for (const Measurement& m : points) {
    if (m.concurrency != 1) continue;
    if (m.queue_depth != 0 && m.queue_depth != options.queue_depth) continue;
    series[m.link].push_back(Sample{static_cast<double>(m.bytes), m.median_s});
  }
  const std::string name = std::filesystem::path(options.out).stem().string();
  char host[256] = "this machine";
  gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));

  nlohmann::ordered_json profile;
  profile["name"] = name;
  profile["description"] = std::string("Calibrated on ") + host + (gpu_name.empty() ? "" : " with " + gpu_name) + ".";
  profile["source"] = std::string("calibrated by tiersim ") + kVersion + " calibrate on " + date + " (files: queue depth " +
                      std::to_string(options.queue_depth) + ", " + size_text(block) + " requests)";
  nlohmann::ordered_json links = nlohmann::ordered_json::object(), quality = nlohmann::ordered_json::object();
  std::string fit_csv = "link,piece,from_bytes,below_bytes,latency_us,bandwidth_GBps,r2,worst_relative_residual,samples\n";
  for (const auto& [link, samples] : series) {
    if (samples.size() < 2) {
      // The measurements are still written: a single size is what a comparison with fio
      // or a recheck of one point needs.
      if (!options.quiet) {
        std::fprintf(stderr, "calibrate: %s measured at one size only, so the profile has no fit for it (a fit needs --min-size below --max-size)\n",
                     link.c_str());
      }
      continue;
    }
    const LinkFit fit = fit_link(samples);
    const bool host_copy = link == "host_copy";
    links[link] = profile_entry(fit, host_copy);
    quality[link] = {{"r2", fit.r2},
                     {"worst_relative_residual", fit.worst_relative},
                     {"samples", samples.size()},
                     {"piecewise", fit.small.has_value()}};
    auto row = [&](const char* piece, const LineFit& f, double from, double below) {
      fit_csv += link + "," + piece + "," + Metrics::format(from) + "," + Metrics::format(below) + "," +
                 Metrics::format(f.latency_s * 1e6) + "," + Metrics::format(f.bandwidth_Bps() / 1e9) + "," + Metrics::format(f.r2) + "," +
                 Metrics::format(f.worst_relative) + "," + std::to_string(f.samples) + "\n";
    };
    if (fit.small) row("small", *fit.small, 0, fit.small_below);
    row("large", fit.large, fit.small ? fit.small_below : 0, 0);
  }
  profile["links"] = links;
  profile["calibration"] = {{"host", host}, {"date", date}, {"queue_depth", options.queue_depth},
                            {"block_size", size_text(block)}, {"host_memory", host_page_size()}, {"buffer", size_text(region)}, {"fit", quality}};
  if (!gpu_name.empty()) profile["calibration"]["gpu"] = gpu_name;

  std::string raw = "link,executor,queue_depth,concurrency,bytes,repeats,median_us,mean_us,min_us,max_us,aggregate_GBps,device_median_us,predicted_us\n";
  for (const Measurement& m : points) {
    double predicted = 0;
    if (m.concurrency == 1 && (m.queue_depth == 0 || m.queue_depth == options.queue_depth) && series[m.link].size() >= 2) {
      predicted = fit_link(series[m.link]).predict(static_cast<double>(m.bytes)) * 1e6;
    }
    raw += m.link + ",\"" + m.executor + "\"," + std::to_string(m.queue_depth) + "," + std::to_string(m.concurrency) + "," +
           std::to_string(m.bytes) + "," + std::to_string(m.repeats) + "," + Metrics::format(m.median_s * 1e6) + "," +
           Metrics::format(m.mean_s * 1e6) + "," + Metrics::format(m.min_s * 1e6) + "," + Metrics::format(m.max_s * 1e6) + "," + Metrics::format(m.aggregate_GBps) + "," +
           (m.device_median_s >= 0 ? Metrics::format(m.device_median_s * 1e6) : "") + "," + Metrics::format(predicted) + "\n";
  }
  const std::filesystem::path out(options.out);
  const std::string stem = (out.parent_path() / out.stem()).string();
  if (!out.parent_path().empty()) std::filesystem::create_directories(out.parent_path());
  write_file_atomically(stem + ".measurements.csv", raw);
  write_file_atomically(stem + ".fit.csv", fit_csv);
  write_file_atomically(options.out, profile.dump(2) + "\n");
  if (!options.quiet) {
    std::printf("tiersim calibrate: %s\n", options.out.c_str());
    for (const auto& [link, q] : quality.items()) {
      const nlohmann::ordered_json& e = links[link];
      std::printf("  %-13s %-18s %-22s R^2 %.5f, worst relative residual %.1f %%%s\n", link.c_str(),
                  e["bandwidth"].get<std::string>().c_str(),
                  (e.contains("latency") ? "latency " + e["latency"].get<std::string>() : "overhead " + e["per_io_overhead"].get<std::string>()).c_str(),
                  q["r2"].get<double>(), 100 * q["worst_relative_residual"].get<double>(), q["piecewise"].get<bool>() ? " (piecewise)" : "");
    }
    std::printf("measurements: %s.measurements.csv, fits: %s.fit.csv\n", stem.c_str(), stem.c_str());
  }
  if (options.plot) {
    const int status = run_analysis_script("plot_calibration.py", {options.out});
    if (status != 0) std::fprintf(stderr, "calibrate: the plot failed (exit %d); the profile and CSVs are written\n", status);
  }
  return 0;
}

}  // namespace tiersim::real
