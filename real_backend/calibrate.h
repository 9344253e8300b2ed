#pragma once
// `tiersim calibrate`: microbenchmarks of this machine's links through the same executors
// a real run uses (host memcpy; O_DIRECT file reads and writes through io_uring at several
// queue depths; CUDA H2D and D2H copies from pinned and pageable memory on several
// streams when a GPU is named), fitted to the simulator's link model and written as a
// hardware profile that configs can name.
#include <cstdint>
#include <string>
#include <vector>

namespace tiersim::real {

struct CalibrateOptions {
  std::string out;        // the folder: configs/hardware/NAME (profile.json, measurements.csv, fit.csv, wake.csv, calibration.png)
  std::string nvme_dir;   // where the test file goes (default: the current directory)
  int gpu = -1;
  std::string min_size = "4 KiB";
  std::string max_size = "256 MiB";
  std::vector<unsigned> queue_depths = {1, 8, 32};
  unsigned queue_depth = 8;  // the one the profile's file links model (run --queue-depth)
  std::string block_size = "1 MiB";
  std::vector<unsigned> streams = {1, 2, 4};
  std::string bytes_per_point = "256 MiB";  // each size is repeated until this much has moved
  // Each link's sizes are measured this many times over, smallest to largest, the copies
  // of a size split between the rounds: a machine whose speed drifts moves every size
  // alike, and the rounds' disagreement says how well it repeats itself.
  unsigned rounds = 3;
  // Host memory the copies rotate through; empty: twice max_size and at least 512 MiB, so
  // that no cache flatters them, as a run's many experts do not fit one. A small one
  // measures what a workload that reuses a few buffers gets.
  std::string buffer;
  // The file links' requests cycle through this much of it instead (fio's queue depth x
  // block size buffer), for comparing with fio: a virtual disk's host copies faster into a
  // few pages that stay in its caches than into a run's many experts. Empty: all of it.
  std::string io_buffer;
  bool skip_memcpy = false, skip_files = false;
  bool skip_wake = false;  // do not measure how long each link takes to wake after idling
  std::string cpus;  // as for run --backend real: keep every thread on these CPUs
  bool plot = true;
  bool quiet = false;
};


int calibrate_command(const CalibrateOptions& options);

}  // namespace tiersim::real
