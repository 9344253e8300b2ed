// `tiersim sweep` and `tiersim merge`: run a sweep's points on a thread pool, recording
// each as it finishes, and assemble DIR/results.csv in point order.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "sim/errors.h"
#include "app/commands.h"
#include "app/progress_printer.h"
#include "app/slurm_scripts.h"
#include "app/sweep_spec.h"
#include "app/sweep_store.h"
#include "sim/config/excerpt.h"
#include "run/simulate.h"
#include "sim/engine/progress.h"
#include "sim/output/metrics.h"
#include "sim/output/output_lock.h"
#include "sim/output/results_writer.h"
#include "tiersim/version.h"

namespace tiersim {

namespace {

// "K/N" with 1 <= K <= N <= 2^20, digits only (sscanf would wrap 4294967297 to 1).
void parse_shard(const std::string& text, uint32_t& shard, uint32_t& shards) {
  auto number = [](const std::string& digits, uint64_t& value) {
    if (digits.empty() || digits.size() > 7 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
    value = std::stoull(digits);
    return true;
  };
  const size_t slash = text.find('/');
  uint64_t k = 0, n = 0;
  if (slash == std::string::npos || !number(text.substr(0, slash), k) || !number(text.substr(slash + 1), n) || n == 0 ||
      k == 0 || k > n || n > kMaxShards) {
    throw InputError("--shard: expected K/N with 1 <= K <= N <= " + std::to_string(kMaxShards) +
                     " (the K-th of N shares), got \"" + excerpt(text) + "\"");
  }
  shard = static_cast<uint32_t>(k);
  shards = static_cast<uint32_t>(n);
}

std::string cell(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// The sweep's own columns, then the run's.
Metrics point_row(const SweepSpec& spec, uint64_t index, const SweepSpec::Point& point, const Metrics& run) {
  Metrics row;
  row.add("point", index);
  const std::vector<std::string> paths = spec.varied_paths();
  for (size_t i = 0; i < paths.size(); ++i) {
    const nlohmann::json& v = point.values[i];
    if (v.is_number_unsigned()) row.add(paths[i], v.get<uint64_t>());
    else if (v.is_number_integer()) row.add(paths[i], v.get<int64_t>());
    else if (v.is_number_float()) row.add(paths[i], v.get<double>());
    else row.add(paths[i], cell(v));
  }
  row.add("git_revision", std::string(kGitRevision));
  for (const auto& [name, value] : run.items())
    if (!row.find(name)) row.add_value(name, value);  // a varied seed or name is already a column
  return row;
}

// Runs one point and records it: its row, or the reason bad input or the configured run
// stopped it. Anything else (a full disk, a bug) propagates and stops the sweep.
void run_point(const SweepSpec& spec, uint64_t index, SweepStore& store) {
  sim::progress::check_stop();
  std::string failure;
  try {
    const SweepSpec::Point point = spec.point(index);
    const Metrics run = simulate_config(point.config, spec.source + " point " + std::to_string(index), spec.base_dir);
    const Metrics row = point_row(spec, index, point, run);
    store.record_ok(index, row.csv_header(), row.csv_row());
    return;
  } catch (const InputError& e) {
    failure = e.what();
  } catch (const RunFailure& e) {
    failure = std::string("run failed: ") + e.what();
  }
  store.record_error(index, failure);  // outside the handlers: its own failure propagates
}

// A worker's share of the point it is running, from its meter (0 when unknown).
double share_of(const sim::progress::Meter& meter) {
  const double total = static_cast<double>(meter.total.load(std::memory_order_relaxed));
  if (total <= 0 || !meter.unit.load(std::memory_order_acquire)) return 0;
  return std::min(1.0, static_cast<double>(meter.done.load(std::memory_order_relaxed)) / total);
}

int finish(const AssembleResult& result, const std::string& dir) {
  for (const auto& [index, message] : result.failed) {
    std::fprintf(stderr, "tiersim: point %llu failed: %s\n", static_cast<unsigned long long>(index), message.c_str());
  }
  std::printf("results: %s/results.csv (%llu rows)\n", dir.c_str(), static_cast<unsigned long long>(result.rows));
  if (!result.failed.empty() || result.missing > 0) {
    std::fprintf(stderr, "tiersim: %zu points failed and %llu are missing; fix and run again with --resume\n",
                 result.failed.size(), static_cast<unsigned long long>(result.missing));
    return 5;
  }
  return 0;
}

// --slurm: write (and with --submit, submit) the job array and the merge job.
int slurm_sweep(const SweepCommand& command, const SweepSpec& spec) {
  if (command.shards == 0) throw InputError("--slurm: give --shards N (the array's tasks), N >= 1");
  if (command.shards > spec.size()) {
    throw InputError("--shards " + std::to_string(command.shards) + ": the sweep has only " + std::to_string(spec.size()) +
                     " points");
  }
  if (!command.shard.empty()) throw InputError("--slurm runs every shard: leave out --shard");
  namespace fs = std::filesystem;
  if (fs::exists(command.out_dir + "/results.csv") && !command.force) {
    throw InputError(command.out_dir + ": already holds results; choose another --out, or --force");
  }
  SlurmSweep s;
  s.tiersim = fs::canonical("/proc/self/exe").string();
  s.sweep_file = fs::absolute(command.sweep_path).lexically_normal().string();
  s.out_dir = fs::absolute(command.out_dir).lexically_normal().string();
  s.workdir = fs::current_path().string();
  s.shards = command.shards;
  s.jobs_per_task = command.jobs ? command.jobs : 1;
  s.partition = command.partition;
  s.time_limit = command.time_limit;
  const auto scripts = write_slurm_scripts(s);
  std::printf("slurm: %s (array of %u shards) and %s (merge into %s/results.csv)\n", scripts.first.c_str(), s.shards,
              scripts.second.c_str(), s.out_dir.c_str());
  if (command.submit) {
    const auto ids = submit_slurm_scripts(scripts);
    std::printf("slurm: submitted job array %s and merge job %s\n", ids.first.c_str(), ids.second.c_str());
  } else {
    std::printf("slurm: submit with: sbatch %s, then sbatch --dependency=afterok:<array id> %s (or use --submit)\n",
                scripts.first.c_str(), scripts.second.c_str());
  }
  return 0;
}

}  // namespace

int sweep_command(const SweepCommand& command) {
  SweepIdentity identity;
  if (!command.shard.empty()) parse_shard(command.shard, identity.shard, identity.shards);
  const SweepSpec spec = load_sweep(command.sweep_path);
  identity.hash = spec.hash;
  identity.name = spec.name;
  identity.points = spec.size();

  if (command.dry_run) {
    const std::vector<std::string> paths = spec.varied_paths();
    uint64_t count = 0;
    for (uint64_t i = 0; i < identity.points; ++i) {
      if (!identity.owns(i)) continue;
      const SweepSpec::Point p = spec.point(i);
      std::printf("%llu", static_cast<unsigned long long>(i));
      for (size_t k = 0; k < paths.size(); ++k) std::printf(" %s=%s", paths[k].c_str(), cell(p.values[k]).c_str());
      std::printf(" seed=%llu\n", static_cast<unsigned long long>(p.seed));
      ++count;
    }
    std::printf("%llu points\n", static_cast<unsigned long long>(count));
    return 0;
  }
  if (command.out_dir.empty()) throw InputError("sweep: give --out DIR");
  if (command.slurm) return slurm_sweep(command, spec);

  const OutputLock lock(command.out_dir, "sweep");
  SweepStore store(command.out_dir, identity, command.resume, command.force);
  const std::vector<bool> finished = store.finished();
  std::vector<uint64_t> todo;
  uint64_t owned = 0;
  for (uint64_t i = 0; i < identity.points; ++i) {
    if (!identity.owns(i)) continue;
    ++owned;
    if (!finished[i]) todo.push_back(i);
  }

  const uint32_t jobs = command.jobs ? command.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{owned - todo.size()};
  std::mutex mutex;
  std::exception_ptr fatal;
  auto stop_all = [&] {  // out of memory, an internal error, or the store cannot be written
    std::lock_guard<std::mutex> lock(mutex);
    if (!fatal) fatal = std::current_exception();
    next = todo.size();
  };
  const uint32_t threads = static_cast<uint32_t>(std::min<uint64_t>(jobs, std::max<size_t>(todo.size(), 1)));
  std::vector<sim::progress::Meter> meters(threads);
  auto worker = [&](uint32_t j) {
    sim::progress::set_meter(&meters[j]);
    for (size_t k; (k = next.fetch_add(1)) < todo.size();) {
      try {
        run_point(spec, todo[k], store);
      } catch (...) {
        stop_all();
      }
      meters[j].unit.store(nullptr);  // a finished point counts in `done`, not by its share
      done.fetch_add(1);
    }
  };
  {
    // The bar moves within points too: each one in flight counts by its share done.
    const ProgressPrinter progress(
        "sweep",
        [&] {
          double points = static_cast<double>(done.load());
          for (const sim::progress::Meter& m : meters) points += share_of(m);
          return ProgressReading{points, static_cast<double>(owned), "points"};
        },
        command.quiet);
    std::vector<std::thread> pool;
    for (uint32_t j = 0; j < threads; ++j) pool.emplace_back(worker, j);
    for (std::thread& t : pool) t.join();
  }
  if (fatal) std::rethrow_exception(fatal);
  return finish(assemble_results({command.out_dir}, identity, command.out_dir + "/results.csv"), command.out_dir);
}

int merge_command(const MergeCommand& command) {
  if (command.dirs.empty()) throw InputError("merge: give the shard folders");
  if (command.out_dir.empty()) throw InputError("merge: give --out DIR");
  const OutputLock lock(command.out_dir, "merge");
  SweepIdentity first = read_sweep_identity(command.dirs.front());
  std::vector<bool> seen(first.shards + 1, false);
  for (const std::string& dir : command.dirs) {
    const SweepIdentity id = read_sweep_identity(dir);
    if (id.hash != first.hash || id.shards != first.shards) {
      throw InputError(dir + ": is a shard of another sweep (" + id.name + ", " + id.hash + ", " + std::to_string(id.shards) +
                       " shards) than " + command.dirs.front() + " (" + first.name + ", " + first.hash + ", " +
                       std::to_string(first.shards) + " shards)");
    }
    if (seen[id.shard]) throw InputError(dir + ": shard " + std::to_string(id.shard) + " is given twice");
    seen[id.shard] = true;
  }
  for (uint32_t k = 1; k <= first.shards; ++k) {
    if (!seen[k]) throw InputError("merge: shard " + std::to_string(k) + "/" + std::to_string(first.shards) + " is missing");
  }
  SweepIdentity whole = first;
  whole.shard = whole.shards = 1;
  // Assemble into a scratch file first: a merge of incomplete shards writes nothing.
  const std::string scratch = temporary_path_for(command.out_dir + "/results.csv");
  const AssembleResult check = assemble_results(command.dirs, whole, scratch);
  if (check.missing > 0 || !check.failed.empty()) {
    std::filesystem::remove(scratch);
    throw InputError("merge: the shards are incomplete: " + std::to_string(check.missing) + " points missing, " +
                     std::to_string(check.failed.size()) + " failed; finish them with tiersim sweep --shard K/N --resume");
  }
  std::filesystem::rename(scratch, command.out_dir + "/results.csv");
  std::printf("results: %s/results.csv (%llu rows from %zu shards)\n", command.out_dir.c_str(),
              static_cast<unsigned long long>(check.rows), command.dirs.size());
  return 0;
}

}  // namespace tiersim
