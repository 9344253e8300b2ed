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
#include "run/analysis_script.h"
#include "sim/output/metrics.h"
#include "sim/output/results_writer.h"
#include "tiersim/version.h"
#include "sim/config/excerpt.h"

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
  if (n < 4096 || n % 4096 != 0) throw InputError(flag + ": expected a multiple of 4 KiB, got \"" + excerpt(text) + "\"");
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

namespace {

// One calibration: the options checked, every link measured in rounds (and after idle
// gaps), the modelled series fitted, and the profile, its measurements and fits written.
class Calibration {
 public:
  explicit Calibration(const CalibrateOptions& options) : options_(options), rng_(1) {}
  int run();

 private:
  void check_options();
  void measure_link(const std::string& link, unsigned queue_depth, unsigned concurrency, Executor& executor,
                    const std::function<Copy(unsigned, uint64_t)>& make);
  std::vector<std::vector<Measurement>> in_rounds(const std::string& link, unsigned queue_depth, Executor& executor,
                                                  const std::function<Copy(unsigned, uint64_t)>& make,
                                                  const std::vector<PointShape>& shapes);
  void measure_memory();
  void measure_files();
  void measure_gpu();
  // The series the profile models: one copy in flight, files at the profile's queue depth.
  bool modelled(unsigned concurrency, unsigned queue_depth) const {
    return concurrency == 1 && (queue_depth == 0 || queue_depth == options_.queue_depth);
  }
  uint64_t rotating(unsigned i, uint64_t bytes, uint64_t through) const { return (uint64_t{i} * bytes) % (through / bytes * bytes); }
  void fit_links();
  void fit_wake();
  nlohmann::ordered_json profile() const;
  std::string measurements_csv() const;
  std::string file(const char* name) const;  // in the --out folder
  void write_files() const;
  void print_summary() const;

  const CalibrateOptions& options_;
  uint64_t low_ = 0, high_ = 0, block_ = 0, per_point_ = 0, region_ = 0, io_ring_ = 0;
  uint64_t file_piece_ = 0, file_bytes_ = 0;
  std::vector<uint64_t> sizes_;
  std::string cpus_, nvme_dir_, gpu_name_, host_ = "this machine", date_;
  std::mt19937_64 rng_;
  CompletionQueue completions_;
  std::unique_ptr<HostBuffer> source_, destination_;
  std::vector<Measurement> points_, wake_points_;
  std::map<std::string, double> round_spread_;  // of each modelled series, for large transfers
  std::map<std::string, std::vector<Sample>> series_;
  std::map<std::string, models::LinkParameters> parameters_;
  nlohmann::ordered_json links_ = nlohmann::ordered_json::object(), quality_ = nlohmann::ordered_json::object();
  nlohmann::ordered_json wake_quality_ = nlohmann::ordered_json::object();
  std::string fit_csv_, wake_csv_;
};

void Calibration::check_options() {
  const CalibrateOptions& o = options_;
  if (o.out.empty()) throw InputError("--out: expected the calibration's folder, like configs/hardware/mybox");
  if (std::filesystem::path(o.out).extension() == ".json") {
    throw InputError("--out " + o.out + ": calibrate writes a folder now (profile.json, measurements.csv, fit.csv, wake.csv, " +
                     "calibration.png): give the folder, like " + (std::filesystem::path(o.out).parent_path() /
                     std::filesystem::path(o.out).stem()).string() + ", and name it as the config's \"hardware\"");
  }
  if (std::filesystem::exists(o.out) && !std::filesystem::is_directory(o.out)) {
    throw InputError("--out " + o.out + ": exists and is not a folder (calibrate writes its profile, measurements and fits into a folder)");
  }
  low_ = bytes_option("--min-size", o.min_size);
  high_ = bytes_option("--max-size", o.max_size);
  if (low_ > high_) throw InputError("--min-size is larger than --max-size");
  block_ = bytes_option("--block-size", o.block_size);
  try {
    per_point_ = sim::units::parse_bytes(o.bytes_per_point);
  } catch (const std::exception& e) {
    throw InputError(std::string("--bytes-per-point: ") + e.what());
  }
  for (unsigned qd : o.queue_depths)
    if (qd == 0 || qd > 4096) throw InputError("--queue-depths: expected values from 1 to 4096");
  if (std::find(o.queue_depths.begin(), o.queue_depths.end(), o.queue_depth) == o.queue_depths.end()) {
    throw InputError("--queue-depth " + std::to_string(o.queue_depth) + " (the profile's) must be one of --queue-depths");
  }
  for (unsigned s : o.streams)
    if (s == 0 || s > 64) throw InputError("--streams: expected values from 1 to 64");
  if (o.rounds == 0 || o.rounds > 100) throw InputError("--rounds: expected 1 to 100, got " + std::to_string(o.rounds));
  region_ = o.buffer.empty() ? std::max<uint64_t>(2 * high_, 512ull << 20) : bytes_option("--buffer", o.buffer);
  if (region_ < high_) {
    throw InputError("--buffer " + size_text(region_) + " is smaller than the largest transfer (--max-size " + size_text(high_) +
                     "); give at least " + size_text(high_));
  }
  // The file links' host memory: all of the region, or the first `io_ring_` bytes of it,
  // which large transfers wrap around.
  io_ring_ = o.io_buffer.empty() ? 0 : bytes_option("--io-buffer", o.io_buffer);
  if (io_ring_ != 0 && io_ring_ % block_ != 0) {
    throw InputError("--io-buffer " + size_text(io_ring_) + ": expected a multiple of --block-size (" + size_text(block_) +
                     "), so that no request runs past its end; fio's buffer is queue depth x block size");
  }
  if (io_ring_ > region_) {
    throw InputError("--io-buffer " + size_text(io_ring_) + " is larger than --buffer (" + size_text(region_) + "), of which it is a part");
  }
  sizes_ = sizes_between(low_, high_);
  nvme_dir_ = o.nvme_dir.empty() ? "." : o.nvme_dir;
  // The test file is written in pieces as large as the buffer allows (a power of two, so
  // that they are O_DIRECT-aligned), and holds a whole number of them.
  file_piece_ = std::bit_floor(std::min<uint64_t>(region_, 64ull << 20));
  file_bytes_ = (std::max<uint64_t>(2 * high_, 1ull << 30) + file_piece_ - 1) / file_piece_ * file_piece_;
}

// Every shape once per round, the shapes in turn within a round, each getting its share
// of its `repeats` copies: a moment when the machine ran differently moves one round of
// each shape, not a whole shape. By shape, its rounds. The copies are numbered on across
// rounds, so that a later round's copies go to other buffer offsets than an earlier one's.
std::vector<std::vector<Measurement>> Calibration::in_rounds(const std::string& link, unsigned queue_depth, Executor& executor,
                                                             const std::function<Copy(unsigned, uint64_t)>& make,
                                                             const std::vector<PointShape>& shapes) {
  const unsigned rounds = options_.rounds;
  std::vector<std::vector<Measurement>> by_shape(shapes.size());
  for (unsigned r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < shapes.size(); ++k) {
      PointShape part = shapes[k];
      part.repeats = (shapes[k].repeats + rounds - 1) / rounds;
      const unsigned first = r * part.repeats;
      Measurement m = measure(executor, completions_, part, [&](unsigned i) { return make(first + i, part.bytes); });
      m.link = link;
      m.queue_depth = queue_depth;
      m.round = rounds > 1 ? r + 1 : 0;
      m.rounds = m.round == 0 ? 1 : rounds;
      show_progress(m, options_.quiet);
      by_shape[k].push_back(m);
    }
  }
  return by_shape;
}

// A link's series: every size, `concurrency` copies in flight, in rounds; for a modelled
// series also how far its rounds lay apart, and the wake-up sweep.
void Calibration::measure_link(const std::string& link, unsigned queue_depth, unsigned concurrency, Executor& executor,
                               const std::function<Copy(unsigned, uint64_t)>& make) {
  std::vector<PointShape> series;
  for (uint64_t bytes : sizes_) series.push_back(PointShape{concurrency, repeats_for(bytes, per_point_), bytes});
  const std::vector<std::vector<Measurement>> rounds = in_rounds(link, queue_depth, executor, make, series);
  for (const auto& parts : rounds) points_.push_back(combine_rounds(parts));
  if (!modelled(concurrency, queue_depth)) return;
  if (options_.rounds > 1) round_spread_[link] = rounds_apart(rounds, std::min(kLargeTransfer, high_));
  if (options_.skip_wake) return;
  // The wake-up sweep in rounds too (a sweep measured in one pass once ran its long gaps
  // faster than back to back, and the profile lost its wake-up).
  const uint64_t bytes = std::clamp<uint64_t>(kWakeBytes, low_, high_);
  const unsigned repeats = std::clamp(repeats_for(bytes, per_point_), 20u, 300u);
  std::vector<PointShape> sweep;
  for (auto idle : kWakeSweepIdles) sweep.push_back(PointShape{1, repeats, bytes, idle});
  for (const auto& parts : in_rounds(link, queue_depth, executor, make, sweep)) wake_points_.push_back(combine_rounds(parts));
}

void Calibration::measure_memory() {
  for (unsigned threads : {1u, 2u}) {
    auto executor = make_memcpy_executor(completions_, threads);
    measure_link("host_copy", 0, threads, *executor, [&](unsigned i, uint64_t bytes) {
      Copy c;
      const uint64_t offset = rotating(i, bytes, region_);
      c.from = Location{Location::Kind::kHost, source_->data() + offset, -1, 0};
      c.to = Location{Location::Kind::kHost, destination_->data() + offset, -1, 0};
      return c;
    });
  }
}

void Calibration::measure_files() {
  const std::string path = nvme_dir_ + "/tiersim-calibrate.bin";
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
  if (!options_.quiet) std::fprintf(stderr, "calibrate: writing a %s test file in %s\n", size_text(file_bytes_).c_str(), nvme_dir_.c_str());
  {
    auto writer = make_uring_executor(completions_, 8, block_);
    const unsigned pieces = static_cast<unsigned>(file_bytes_ / file_piece_);
    measure(*writer, completions_, PointShape{1, pieces, file_piece_}, [&](unsigned i) {
      Copy c;
      c.from = Location{Location::Kind::kHost, source_->data(), -1, 0};
      // i == pieces is measure()'s untimed first copy, which rewrites the first piece.
      c.to = Location{Location::Kind::kFile, nullptr, fd, uint64_t{i % pieces} * file_piece_};
      return c;
    });
  }
  for (bool reading : {true, false}) {
    for (unsigned qd : options_.queue_depths) {
      auto executor = make_uring_executor(completions_, qd, block_);
      measure_link(reading ? "nvme_read" : "nvme_write", qd, 1, *executor, [&](unsigned i, uint64_t bytes) {
        Copy c;
        const Location file{Location::Kind::kFile, nullptr, fd, (rng_() % (file_bytes_ / bytes)) * bytes};
        char* host = reading ? destination_->data() : source_->data();
        if (io_ring_ != 0 && bytes > io_ring_) {
          c.host_ring = io_ring_;  // every such transfer wraps around the same few pages, as fio's requests do
        } else {
          host += rotating(i, bytes, io_ring_ != 0 ? io_ring_ : region_);
        }
        const Location memory{Location::Kind::kHost, host, -1, 0};
        c.from = reading ? file : memory;
        c.to = reading ? memory : file;
        return c;
      });
    }
  }
}

void Calibration::measure_gpu() {
  CudaBuffer device = cuda_allocate(options_.gpu, high_, CudaBuffer::Kind::kDevice);
  CudaBuffer pinned = cuda_allocate(options_.gpu, high_, CudaBuffer::Kind::kPinned);
  CudaBuffer pageable = cuda_allocate(options_.gpu, high_, CudaBuffer::Kind::kPageable);
  for (unsigned streams : options_.streams) {
    auto executor = make_cuda_executor(completions_, options_.gpu, streams);
    for (const CudaBuffer* host : {&pinned, &pageable}) {
      const std::string kind = host == &pinned ? "pinned" : "pageable";
      for (bool to_device : {true, false}) {
        measure_link(std::string(to_device ? "h2d_" : "d2h_") + kind, 0, streams, *executor, [&](unsigned i, uint64_t bytes) {
          const unsigned slots = static_cast<unsigned>(std::max<uint64_t>(1, high_ / bytes));
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

// Fits: each link's modelled series, into the profile's parameters and the fit table.
void Calibration::fit_links() {
  for (const Measurement& m : points_)
    if (modelled(m.concurrency, m.queue_depth)) series_[m.link].push_back(Sample{static_cast<double>(m.bytes), m.median_s});
  fit_csv_ = "link,piece,from_bytes,below_bytes,latency_us,bandwidth_GBps,r2,worst_relative_residual,samples\n";
  for (const auto& [link, samples] : series_) {
    if (samples.size() < 2) {
      // The measurements are still written: a single size is what a comparison with fio
      // or a recheck of one point needs.
      if (!options_.quiet) {
        std::fprintf(stderr, "calibrate: %s measured at one size only, so the profile has no fit for it (a fit needs --min-size below --max-size)\n",
                     link.c_str());
      }
      continue;
    }
    const LinkFit fit = fit_link(samples);
    parameters_[link] = profile_parameters(fit, /*fixed_cost_occupies=*/link == "host_copy");
    quality_[link] = {{"r2", fit.r2},
                      {"worst_relative_residual", fit.worst_relative},
                      {"samples", samples.size()},
                      {"piecewise", fit.small.has_value()}};
    if (options_.rounds > 1 && round_spread_.contains(link)) quality_[link]["round_spread"] = round_spread_[link];
    const std::string& link_name = link;  // a plain reference: clang 14 cannot capture structured bindings
    auto row = [&](const char* piece, const LineFit& f, double from, double below) {
      fit_csv_ += link_name + "," + piece + "," + Metrics::format(from) + "," + Metrics::format(below) + "," +
                  Metrics::format(f.latency_s * 1e6) + "," + Metrics::format(f.bandwidth_Bps() / 1e9) + "," + Metrics::format(f.r2) + "," +
                  Metrics::format(f.worst_relative) + "," + std::to_string(f.samples) + "\n";
    };
    if (fit.small) row("small", *fit.small, 0, fit.small_below);
    row("large", fit.large, fit.small ? fit.small_below : 0, 0);
  }
}

// Wake-up: each link's sweep (the back-to-back reference first, then the gaps in order).
void Calibration::fit_wake() {
  wake_csv_ = "link,executor,queue_depth,bytes,idle_us,repeats,median_us,device_median_us,extra_us,rounds,round_spread\n";
  std::map<std::string, std::vector<const Measurement*>> sweeps;
  for (const Measurement& m : wake_points_) sweeps[m.link].push_back(&m);
  for (const auto& [link, sweep] : sweeps) {
    const double reference = sweep.front()->median_s;
    std::vector<WakeSample> after_idle;
    for (const Measurement* m : sweep) {
      if (m->idle_s > 0) after_idle.push_back(WakeSample{m->idle_s, m->median_s});
      wake_csv_ += link + ",\"" + m->executor + "\"," + std::to_string(m->queue_depth) + "," + std::to_string(m->bytes) + "," +
                   Metrics::format(m->idle_s * 1e6) + "," + std::to_string(m->repeats) + "," + Metrics::format(m->median_s * 1e6) + "," +
                   (m->device_median_s >= 0 ? Metrics::format(m->device_median_s * 1e6) : "") + "," +
                   Metrics::format((m->median_s - reference) * 1e6) + "," + std::to_string(m->rounds) + "," +
                   Metrics::format(m->round_spread) + "\n";
    }
    const std::optional<WakeFit> wake = real::fit_wake(reference, after_idle);
    wake_quality_[link] = {{"size", size_text(sweep.front()->bytes)}, {"back_to_back", duration_text(reference)},
                           {"after_longest_idle", duration_text(after_idle.empty() ? reference : after_idle.back().seconds)}};
    if (wake && parameters_.contains(link)) {
      parameters_[link].wake_after = picoseconds(wake->after_s);
      parameters_[link].wake_latency = picoseconds(wake->latency_s);
    }
  }
}

nlohmann::ordered_json Calibration::profile() const {
  nlohmann::ordered_json profile;
  profile["name"] = std::filesystem::path(options_.out).lexically_normal().filename().string();
  profile["description"] = std::string("Calibrated on ") + host_ + (gpu_name_.empty() ? "" : " with " + gpu_name_) + ".";
  profile["source"] = std::string("calibrated by tiersim ") + kVersion + " calibrate on " + date_ + " (files: queue depth " +
                      std::to_string(options_.queue_depth) + ", " + size_text(block_) + " requests)";
  profile["links"] = links_;
  profile["calibration"] = {{"host", host_}, {"date", date_}, {"queue_depth", options_.queue_depth},
                            {"block_size", size_text(block_)}, {"host_memory", host_page_size()}, {"buffer", size_text(region_)},
                            {"fit", quality_}};
  if (io_ring_ != 0) profile["calibration"]["io_buffer"] = size_text(io_ring_);
  if (!wake_points_.empty()) profile["calibration"]["wake"] = wake_quality_;
  if (!cpus_.empty()) profile["calibration"]["cpus"] = cpus_;
  if (!gpu_name_.empty()) profile["calibration"]["gpu"] = gpu_name_;
  return profile;
}

std::string Calibration::measurements_csv() const {
  std::string raw =
      "link,executor,queue_depth,concurrency,bytes,repeats,median_us,mean_us,min_us,max_us,aggregate_GBps,device_median_us,predicted_us,"
      "rounds,round_spread\n";
  std::map<std::string, LinkFit> fits;
  for (const auto& [link, samples] : series_)
    if (samples.size() >= 2) fits.emplace(link, fit_link(samples));
  for (const Measurement& m : points_) {
    double predicted = 0;
    if (modelled(m.concurrency, m.queue_depth) && fits.contains(m.link)) {
      predicted = fits.at(m.link).predict(static_cast<double>(m.bytes)) * 1e6;
    }
    raw += m.link + ",\"" + m.executor + "\"," + std::to_string(m.queue_depth) + "," + std::to_string(m.concurrency) + "," +
           std::to_string(m.bytes) + "," + std::to_string(m.repeats) + "," + Metrics::format(m.median_s * 1e6) + "," +
           Metrics::format(m.mean_s * 1e6) + "," + Metrics::format(m.min_s * 1e6) + "," + Metrics::format(m.max_s * 1e6) + "," +
           Metrics::format(m.aggregate_GBps) + "," + (m.device_median_s >= 0 ? Metrics::format(m.device_median_s * 1e6) : "") + "," +
           Metrics::format(predicted) + "," + std::to_string(m.rounds) + "," + Metrics::format(m.round_spread) + "\n";
  }
  return raw;
}

std::string Calibration::file(const char* name) const { return (std::filesystem::path(options_.out) / name).string(); }

void Calibration::write_files() const {
  std::filesystem::create_directories(options_.out);
  write_file_atomically(file("measurements.csv"), measurements_csv());
  write_file_atomically(file("fit.csv"), fit_csv_);
  if (!wake_points_.empty()) write_file_atomically(file("wake.csv"), wake_csv_);
  write_file_atomically(file("profile.json"), profile().dump(2) + "\n");
}

void Calibration::print_summary() const {
  std::printf("tiersim calibrate: %s\n", file("profile.json").c_str());
  for (const auto& [link, q] : quality_.items()) {
    const nlohmann::ordered_json& e = links_[link];
    std::printf("  %-13s %-18s %-22s R^2 %.5f, worst relative residual %.1f %%%s\n", link.c_str(),
                e["bandwidth"].get<std::string>().c_str(),
                (e.contains("latency") ? "latency " + e["latency"].get<std::string>() : "overhead " + e["per_io_overhead"].get<std::string>()).c_str(),
                q["r2"].get<double>(), 100 * q["worst_relative_residual"].get<double>(), q["piecewise"].get<bool>() ? " (piecewise)" : "");
    if (q.contains("round_spread")) {
      const double spread = q["round_spread"].get<double>();
      std::printf("  %-13s %u rounds' bandwidths within %.1f %% of each other from %s on%s\n", "", options_.rounds, 100 * spread,
                  size_text(std::min(kLargeTransfer, high_)).c_str(), spread > kUnsteady ? " (unsteady)" : "");
    }
    if (e.contains("wake")) {
      std::printf("  %-13s wakes after %s idle: %s more\n", "", e["wake"]["after"].get<std::string>().c_str(),
                  e["wake"]["latency"].get<std::string>().c_str());
    }
  }
  std::printf("measurements: %s, fits: %s%s\n", file("measurements.csv").c_str(), file("fit.csv").c_str(),
              wake_points_.empty() ? "" : (", wake-up sweeps: " + file("wake.csv")).c_str());
  std::string unsteady;
  for (const auto& [link, q] : quality_.items())
    if (q.contains("round_spread") && q["round_spread"].get<double>() > kUnsteady) unsteady += (unsteady.empty() ? "" : ", ") + link;
  if (!unsteady.empty()) {
    std::fprintf(stderr,
                 "calibrate: warning: the rounds of %s differed by more than %.0f %%: the machine's speed moved while it was "
                 "measured, and predictions from this profile cannot be closer than that. Calibrate again when the machine "
                 "is quiet, or with more --rounds to average over a longer time.\n",
                 unsteady.c_str(), 100 * kUnsteady);
  }
}

int Calibration::run() {
  check_options();
  // Before any thread starts, so that every one inherits the set.
  cpus_ = options_.cpus.empty() ? "" : pin_to_cpus("--cpus", options_.cpus);
  // Everything the machine must offer is checked before anything is measured.
  require_memory(2 * region_, "calibrating with transfers up to " + size_text(high_));
  if (!options_.skip_files) require_direct_io_dir(nvme_dir_, file_bytes_);
  if (options_.gpu >= 0) gpu_name_ = gpu_description(options_.gpu);

  source_ = std::make_unique<HostBuffer>(region_);
  destination_ = std::make_unique<HostBuffer>(region_);
  fill_pattern(source_->data(), region_, 1, 0);
  fill_pattern(destination_->data(), region_, 2, 0);
  if (!options_.skip_memcpy) measure_memory();
  if (!options_.skip_files) measure_files();
  if (options_.gpu >= 0) measure_gpu();
  if (points_.empty()) throw InputError("nothing to measure: every link was skipped");

  char host[256] = "this machine";
  gethostname(host, sizeof host - 1);
  host_ = host;
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  date_ = date;
  fit_links();
  fit_wake();
  for (const auto& [link, p] : parameters_) links_[link] = profile_entry(p);
  write_files();
  if (!options_.quiet) print_summary();
  if (options_.plot) {
    const int status = run_analysis_script("plot_calibration.py", {options_.out});
    if (status != 0) std::fprintf(stderr, "calibrate: the plot failed (exit %d); the profile and CSVs are written\n", status);
  }
  return 0;
}

}  // namespace

int calibrate_command(const CalibrateOptions& options) { return Calibration(options).run(); }

}  // namespace tiersim::real
