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
  std::string out;        // the profile: configs/hardware/NAME.json
  std::string nvme_dir;   // where the test file goes (default: the current directory)
  int gpu = -1;
  std::string min_size = "4 KiB";
  std::string max_size = "256 MiB";
  std::vector<unsigned> queue_depths = {1, 8, 32};
  unsigned queue_depth = 8;  // the one the profile's file links model (run --queue-depth)
  std::string block_size = "1 MiB";
  std::vector<unsigned> streams = {1, 2, 4};
  std::string bytes_per_point = "256 MiB";  // each size is repeated until this much has moved
  // Host memory the copies rotate through; empty: twice max_size and at least 512 MiB, so
  // that no cache flatters them, as a run's many experts do not fit one. A small one
  // measures what a workload that reuses a few buffers gets.
  std::string buffer;
  bool skip_memcpy = false, skip_files = false;
  bool plot = true;
  bool quiet = false;
};

// One measured point: `repeats` copies of `bytes`, `concurrency` of them in flight at once.
struct Measurement {
  std::string link;       // profile name: host_copy, nvme_read, h2d_pinned...
  std::string executor;   // what moved the bytes
  unsigned queue_depth = 0;  // io_uring requests in flight (files), 0 otherwise
  unsigned concurrency = 1;  // copies in flight at once (threads, streams)
  uint64_t bytes = 0;
  unsigned repeats = 0;
  double median_s = 0, mean_s = 0, min_s = 0, max_s = 0;  // submission to arrival
  double device_median_s = -1;  // the copy alone, by CUDA events or in the io_uring thread (negative: not timed so)
  double aggregate_GBps = 0;  // all bytes / wall time of the point
};

int calibrate_command(const CalibrateOptions& options);

}  // namespace tiersim::real
