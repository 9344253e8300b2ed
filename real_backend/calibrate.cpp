#include "real_backend/calibrate.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "models/links/link_model_registry.h"
#include "models/links/link_parameters.h"
#include "real_backend/calibration_fit.h"
#include "real_backend/calibration_measure.h"
#include "real_backend/cpu_placement.h"
#include "real_backend/cuda_backend.h"
#include "real_backend/machine_checks.h"
#include "real_backend/memcpy_executor.h"
#include "real_backend/pattern.h"
#include "real_backend/profile_steadiness.h"
#include "real_backend/tier_store.h"
#include "real_backend/uring_executor.h"
#include "sim/errors.h"
#include "sim/config/units.h"
#include "app/commands.h"
#include "sim/output/metrics.h"
#include "sim/output/results_writer.h"
#include "tiersim/version.h"

namespace tiersim::real {

namespace {

// Large transfers, whose time is bytes / bandwidth on every link, however noisy the
// hand-offs between threads: how far the rounds lie apart is judged from this size on
// (or at the largest size, if that is smaller).
constexpr uint64_t kLargeTransfer = 16 << 20;
// The wake-up sweep: one size, timed after each of these idle gaps. They span what a
// drive's power states, a virtual disk's host polling and the kernel's idle CPUs take to
// go to sleep (tens of microseconds to a millisecond or two).
constexpr uint64_t kWakeBytes = 64 << 10;
// The first gap, none at all, is the back-to-back reference.
constexpr std::chrono::microseconds kWakeSweepIdles[] = {
    std::chrono::microseconds(0),   std::chrono::microseconds(25),  std::chrono::microseconds(50),   std::chrono::microseconds(100),
    std::chrono::microseconds(200), std::chrono::microseconds(400), std::chrono::microseconds(800), std::chrono::microseconds(1600)};

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

std::vector<uint64_t> sizes_between(uint64_t low, uint64_t high) {
  std::vector<uint64_t> sizes;
  for (uint64_t s = low; s <= high; s *= 2) sizes.push_back(s);
  if (sizes.back() != high) sizes.push_back(high);
  return sizes;
}

// At least 9 copies of the largest sizes: their median decides the bandwidth, and each of
// the default 3 rounds gets three of them.
unsigned repeats_for(uint64_t bytes, uint64_t per_point) {
  return static_cast<unsigned>(std::clamp<uint64_t>(per_point / bytes, 9, 2000));
}

std::string duration_text(double seconds) {
  char text[48];
  std::snprintf(text, sizeof text, "%.3f us", seconds * 1e6);
  return text;
}

sim::Time picoseconds(double seconds) { return static_cast<sim::Time>(std::llround(seconds * 1e12)); }
uint64_t bytes_per_second(double Bps) { return static_cast<uint64_t>(std::llround(Bps)); }

// A link's parameters for the profile from the fit of its concurrency-1 series: the ones
// the queueing link model says calibrate measures, one channel, fifo.
models::LinkParameters profile_parameters(const LinkFit& fit, bool fixed_cost_occupies) {
  models::LinkParameters p;
  p.bandwidth_Bps = bytes_per_second(fit.large.bandwidth_Bps());
  // A host copy keeps its thread busy for the fixed cost; a device's latency overlaps.
  (fixed_cost_occupies ? p.per_io_overhead : p.latency) = picoseconds(fit.large.latency_s);
  p.channels = 1;
  p.sharing = models::Sharing::kFifo;
  if (fit.small) {
    p.small_below = static_cast<uint64_t>(fit.small_below);
    p.small_bandwidth_Bps = bytes_per_second(fit.small->bandwidth_Bps() > 0 ? fit.small->bandwidth_Bps() : fit.large.bandwidth_Bps());
    (fixed_cost_occupies ? p.small_per_io_overhead : p.small_latency) = picoseconds(fit.small->latency_s);
  }
  return p;
}

// The profile entry, through the one table of link parameters.
nlohmann::ordered_json profile_entry(const models::LinkParameters& p) {
  std::vector<std::string> keys = models::LinkModelRegistry::find("queueing")->calibrated;
  keys.insert(keys.end(), {"channels", "sharing"});
  return models::link_parameters_json(p, &keys);
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
  if (options.rounds == 0 || options.rounds > 100) throw InputError("--rounds: expected 1 to 100, got " + std::to_string(options.rounds));
  const uint64_t region = options.buffer.empty() ? std::max<uint64_t>(2 * high, 512ull << 20) : bytes_option("--buffer", options.buffer);
  if (region < high) {
    throw InputError("--buffer " + size_text(region) + " is smaller than the largest transfer (--max-size " + size_text(high) +
                     "); give at least " + size_text(high));
  }
  // The file links' host memory: all of `region`, or the first `io_ring` bytes of it,
  // which large transfers wrap around.
  const uint64_t io_ring = options.io_buffer.empty() ? 0 : bytes_option("--io-buffer", options.io_buffer);
  if (io_ring != 0 && io_ring % block != 0) {
    throw InputError("--io-buffer " + size_text(io_ring) + ": expected a multiple of --block-size (" + size_text(block) +
                     "), so that no request runs past its end; fio's buffer is queue depth x block size");
  }
  if (io_ring > region) {
    throw InputError("--io-buffer " + size_text(io_ring) + " is larger than --buffer (" + size_text(region) + "), of which it is a part");
  }
  const std::vector<uint64_t> sizes = sizes_between(low, high);
  // Before any thread starts, so that every one inherits the set.
  const std::string cpus = options.cpus.empty() ? "" : pin_to_cpus("--cpus", options.cpus);
  const std::string nvme_dir = options.nvme_dir.empty() ? "." : options.nvme_dir;
  // The test file is written in pieces as large as the buffer allows (a power of two, so
  // that they are O_DIRECT-aligned), and holds a whole number of them.
  const uint64_t file_piece = std::bit_floor(std::min<uint64_t>(region, 64ull << 20));
  const uint64_t file_bytes = (std::max<uint64_t>(2 * high, 1ull << 30) + file_piece - 1) / file_piece * file_piece;

  // Everything the machine must offer is checked before anything is measured.
  require_memory(2 * region, "calibrating with transfers up to " + size_text(high));
  if (!options.skip_files) require_direct_io_dir(nvme_dir, file_bytes);
  std::string gpu_name;
  if (options.gpu >= 0) gpu_name = gpu_description(options.gpu);

  std::vector<Measurement> points, wake_points;
  std::map<std::string, double> round_spread;  // of each modelled series, for large transfers
  std::mt19937_64 rng(1);
  CompletionQueue completions;
  HostBuffer source(region), destination(region);
  fill_pattern(source.data(), region, 1, 0);
  fill_pattern(destination.data(), region, 2, 0);
  auto rotating = [&](unsigned i, uint64_t bytes, uint64_t through) { return (uint64_t{i} * bytes) % (through / bytes * bytes); };
  // The series the profile models: one copy in flight, files at the profile's queue depth.
  auto modelled = [&](unsigned concurrency, unsigned queue_depth) {
    return concurrency == 1 && (queue_depth == 0 || queue_depth == options.queue_depth);
  };
  // A link's series: every size, `concurrency` copies in flight, in rounds; for a modelled
  // series also how far its rounds lay apart, and the wake-up sweep.
  auto measure_link = [&](const std::string& link, unsigned queue_depth, unsigned concurrency, Executor& executor,
                          const std::function<Copy(unsigned, uint64_t)>& make) {
    // `first` numbers the copies on across rounds, so that a later round's copies go to
    // other buffer offsets than an earlier one's.
    auto point = [&](const PointShape& shape, unsigned round, unsigned first) {
      Measurement m = measure(executor, completions, shape, [&](unsigned i) { return make(first + i, shape.bytes); });
      m.link = link;
      m.queue_depth = queue_depth;
      m.round = round;
      m.rounds = round == 0 ? 1 : options.rounds;
      show_progress(m, options.quiet);
      return m;
    };
    // Every shape once per round, the shapes in turn within a round, each getting its share
    // of its `repeats` copies: a moment when the machine ran differently moves one round of
    // each shape, not a whole shape. By shape, its rounds.
    auto in_rounds = [&](const std::vector<PointShape>& shapes) {
      std::vector<std::vector<Measurement>> by_shape(shapes.size());
      for (unsigned r = 0; r < options.rounds; ++r) {
        for (size_t k = 0; k < shapes.size(); ++k) {
          PointShape part = shapes[k];
          part.repeats = (shapes[k].repeats + options.rounds - 1) / options.rounds;
          by_shape[k].push_back(point(part, options.rounds > 1 ? r + 1 : 0, r * part.repeats));
        }
      }
      return by_shape;
    };
    std::vector<PointShape> series;
    for (uint64_t bytes : sizes) series.push_back(PointShape{concurrency, repeats_for(bytes, per_point), bytes});
    const std::vector<std::vector<Measurement>> rounds = in_rounds(series);
    for (const auto& parts : rounds) points.push_back(combine_rounds(parts));
    if (!modelled(concurrency, queue_depth)) return;
    if (options.rounds > 1) round_spread[link] = rounds_apart(rounds, std::min(kLargeTransfer, high));
    if (options.skip_wake) return;
    // The wake-up sweep in rounds too (a sweep measured in one pass once ran its long gaps
    // faster than back to back, and the profile lost its wake-up).
    const uint64_t bytes = std::clamp<uint64_t>(kWakeBytes, low, high);
    const unsigned repeats = std::clamp(repeats_for(bytes, per_point), 20u, 300u);
    std::vector<PointShape> sweep;
    for (auto idle : kWakeSweepIdles) sweep.push_back(PointShape{1, repeats, bytes, idle});
    for (const auto& parts : in_rounds(sweep)) wake_points.push_back(combine_rounds(parts));
  };

  if (!options.skip_memcpy) {
    for (unsigned threads : {1u, 2u}) {
      auto executor = make_memcpy_executor(completions, threads);
      measure_link("host_copy", 0, threads, *executor, [&](unsigned i, uint64_t bytes) {
        Copy c;
        const uint64_t offset = rotating(i, bytes, region);
        c.from = Location{Location::Kind::kHost, source.data() + offset, -1, 0};
        c.to = Location{Location::Kind::kHost, destination.data() + offset, -1, 0};
        return c;
      });
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
      const unsigned pieces = static_cast<unsigned>(file_bytes / file_piece);
      measure(*writer, completions, PointShape{1, pieces, file_piece}, [&](unsigned i) {
        Copy c;
        c.from = Location{Location::Kind::kHost, source.data(), -1, 0};
        // i == pieces is measure()'s untimed first copy, which rewrites the first piece.
        c.to = Location{Location::Kind::kFile, nullptr, fd, uint64_t{i % pieces} * file_piece};
        return c;
      });
    }
    for (bool reading : {true, false}) {
      for (unsigned qd : options.queue_depths) {
        auto executor = make_uring_executor(completions, qd, block);
        measure_link(reading ? "nvme_read" : "nvme_write", qd, 1, *executor, [&](unsigned i, uint64_t bytes) {
          Copy c;
          const Location file{Location::Kind::kFile, nullptr, fd, (rng() % (file_bytes / bytes)) * bytes};
          char* host = reading ? destination.data() : source.data();
          if (io_ring != 0 && bytes > io_ring) {
            c.host_ring = io_ring;  // every such transfer wraps around the same few pages, as fio's requests do
          } else {
            host += rotating(i, bytes, io_ring != 0 ? io_ring : region);
          }
          const Location memory{Location::Kind::kHost, host, -1, 0};
          c.from = reading ? file : memory;
          c.to = reading ? memory : file;
          return c;
        });
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
          measure_link(std::string(to_device ? "h2d_" : "d2h_") + kind, 0, streams, *executor, [&](unsigned i, uint64_t bytes) {
            const unsigned slots = static_cast<unsigned>(std::max<uint64_t>(1, high / bytes));
            const uint64_t offset = (i % std::min(slots, streams)) * bytes;
            const Location h{Location::Kind::kHost, host->data + offset, -1, 0};
            const Location d{Location::Kind::kDevice, device.data + offset, -1, 0};
            Copy c;
            c.from = to_device ? h : d;
            c.to = to_device ? d : h;
            return c;
          });
        }
      }
    }
    cuda_free(device);
    cuda_free(pinned);
    cuda_free(pageable);
  }
  if (points.empty()) throw InputError("nothing to measure: every link was skipped");

  // Fits: each link's modelled series.
  std::map<std::string, std::vector<Sample>> series;
  for (const Measurement& m : points)
    if (modelled(m.concurrency, m.queue_depth)) series[m.link].push_back(Sample{static_cast<double>(m.bytes), m.median_s});
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
  std::map<std::string, models::LinkParameters> parameters;
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
    parameters[link] = profile_parameters(fit, host_copy);
    quality[link] = {{"r2", fit.r2},
                     {"worst_relative_residual", fit.worst_relative},
                     {"samples", samples.size()},
                     {"piecewise", fit.small.has_value()}};
    if (options.rounds > 1 && round_spread.contains(link)) quality[link]["round_spread"] = round_spread[link];
    auto row = [&](const char* piece, const LineFit& f, double from, double below) {
      fit_csv += link + "," + piece + "," + Metrics::format(from) + "," + Metrics::format(below) + "," +
                 Metrics::format(f.latency_s * 1e6) + "," + Metrics::format(f.bandwidth_Bps() / 1e9) + "," + Metrics::format(f.r2) + "," +
                 Metrics::format(f.worst_relative) + "," + std::to_string(f.samples) + "\n";
    };
    if (fit.small) row("small", *fit.small, 0, fit.small_below);
    row("large", fit.large, fit.small ? fit.small_below : 0, 0);
  }
  // Wake-up: each link's sweep (the back-to-back reference first, then the gaps in order).
  std::string wake_csv = "link,executor,queue_depth,bytes,idle_us,repeats,median_us,device_median_us,extra_us,rounds,round_spread\n";
  nlohmann::ordered_json wake_quality = nlohmann::ordered_json::object();
  std::map<std::string, std::vector<const Measurement*>> sweeps;
  for (const Measurement& m : wake_points) sweeps[m.link].push_back(&m);
  for (const auto& [link, sweep] : sweeps) {
    const double reference = sweep.front()->median_s;
    std::vector<WakeSample> after_idle;
    for (const Measurement* m : sweep) {
      if (m->idle_s > 0) after_idle.push_back(WakeSample{m->idle_s, m->median_s});
      wake_csv += link + ",\"" + m->executor + "\"," + std::to_string(m->queue_depth) + "," + std::to_string(m->bytes) + "," +
                  Metrics::format(m->idle_s * 1e6) + "," + std::to_string(m->repeats) + "," + Metrics::format(m->median_s * 1e6) + "," +
                  (m->device_median_s >= 0 ? Metrics::format(m->device_median_s * 1e6) : "") + "," +
                  Metrics::format((m->median_s - reference) * 1e6) + "," + std::to_string(m->rounds) + "," +
                  Metrics::format(m->round_spread) + "\n";
    }
    const std::optional<WakeFit> wake = fit_wake(reference, after_idle);
    wake_quality[link] = {{"size", size_text(sweep.front()->bytes)}, {"back_to_back", duration_text(reference)},
                          {"after_longest_idle", duration_text(after_idle.empty() ? reference : after_idle.back().seconds)}};
    if (wake && parameters.contains(link)) {
      parameters[link].wake_after = picoseconds(wake->after_s);
      parameters[link].wake_latency = picoseconds(wake->latency_s);
    }
  }
  for (const auto& [link, p] : parameters) links[link] = profile_entry(p);
  profile["links"] = links;
  profile["calibration"] = {{"host", host}, {"date", date}, {"queue_depth", options.queue_depth},
                            {"block_size", size_text(block)}, {"host_memory", host_page_size()}, {"buffer", size_text(region)}, {"fit", quality}};
  if (io_ring != 0) profile["calibration"]["io_buffer"] = size_text(io_ring);
  if (!wake_points.empty()) profile["calibration"]["wake"] = wake_quality;
  if (!cpus.empty()) profile["calibration"]["cpus"] = cpus;
  if (!gpu_name.empty()) profile["calibration"]["gpu"] = gpu_name;

  std::string raw =
      "link,executor,queue_depth,concurrency,bytes,repeats,median_us,mean_us,min_us,max_us,aggregate_GBps,device_median_us,predicted_us,"
      "rounds,round_spread\n";
  for (const Measurement& m : points) {
    double predicted = 0;
    if (modelled(m.concurrency, m.queue_depth) && series[m.link].size() >= 2) {
      predicted = fit_link(series[m.link]).predict(static_cast<double>(m.bytes)) * 1e6;
    }
    raw += m.link + ",\"" + m.executor + "\"," + std::to_string(m.queue_depth) + "," + std::to_string(m.concurrency) + "," +
           std::to_string(m.bytes) + "," + std::to_string(m.repeats) + "," + Metrics::format(m.median_s * 1e6) + "," +
           Metrics::format(m.mean_s * 1e6) + "," + Metrics::format(m.min_s * 1e6) + "," + Metrics::format(m.max_s * 1e6) + "," + Metrics::format(m.aggregate_GBps) + "," +
           (m.device_median_s >= 0 ? Metrics::format(m.device_median_s * 1e6) : "") + "," + Metrics::format(predicted) + "," +
           std::to_string(m.rounds) + "," + Metrics::format(m.round_spread) + "\n";
  }
  const std::filesystem::path out(options.out);
  const std::string stem = (out.parent_path() / out.stem()).string();
  if (!out.parent_path().empty()) std::filesystem::create_directories(out.parent_path());
  write_file_atomically(stem + ".measurements.csv", raw);
  write_file_atomically(stem + ".fit.csv", fit_csv);
  if (!wake_points.empty()) write_file_atomically(stem + ".wake.csv", wake_csv);
  write_file_atomically(options.out, profile.dump(2) + "\n");
  if (!options.quiet) {
    std::printf("tiersim calibrate: %s\n", options.out.c_str());
    for (const auto& [link, q] : quality.items()) {
      const nlohmann::ordered_json& e = links[link];
      std::printf("  %-13s %-18s %-22s R^2 %.5f, worst relative residual %.1f %%%s\n", link.c_str(),
                  e["bandwidth"].get<std::string>().c_str(),
                  (e.contains("latency") ? "latency " + e["latency"].get<std::string>() : "overhead " + e["per_io_overhead"].get<std::string>()).c_str(),
                  q["r2"].get<double>(), 100 * q["worst_relative_residual"].get<double>(), q["piecewise"].get<bool>() ? " (piecewise)" : "");
      if (q.contains("round_spread")) {
        const double spread = q["round_spread"].get<double>();
        std::printf("  %-13s %u rounds' bandwidths within %.1f %% of each other from %s on%s\n", "", options.rounds, 100 * spread,
                    size_text(std::min(kLargeTransfer, high)).c_str(),
                    spread > kUnsteady ? " (unsteady)" : "");
      }
      if (e.contains("wake")) {
        std::printf("  %-13s wakes after %s idle: %s more\n", "", e["wake"]["after"].get<std::string>().c_str(),
                    e["wake"]["latency"].get<std::string>().c_str());
      }
    }
    std::printf("measurements: %s.measurements.csv, fits: %s.fit.csv%s\n", stem.c_str(), stem.c_str(),
                wake_points.empty() ? "" : (", wake-up sweeps: " + stem + ".wake.csv").c_str());
    std::string unsteady;
    for (const auto& [link, q] : quality.items())
      if (q.contains("round_spread") && q["round_spread"].get<double>() > kUnsteady) unsteady += (unsteady.empty() ? "" : ", ") + link;
    if (!unsteady.empty()) {
      std::fprintf(stderr,
                   "calibrate: warning: the rounds of %s differed by more than %.0f %%: the machine's speed moved while it was "
                   "measured, and predictions from this profile cannot be closer than that. Calibrate again when the machine "
                   "is quiet, or with more --rounds to average over a longer time.\n",
                   unsteady.c_str(), 100 * kUnsteady);
    }
  }
  if (options.plot) {
    const int status = run_analysis_script("plot_calibration.py", {options.out});
    if (status != 0) std::fprintf(stderr, "calibrate: the plot failed (exit %d); the profile and CSVs are written\n", status);
  }
  return 0;
}

}  // namespace tiersim::real
