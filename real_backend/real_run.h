#pragma once
// `tiersim run CONFIG --backend real`: the config's workload, with the same residency and
// policies, carried out with real transfers (host memory, O_DIRECT files through io_uring,
// CUDA copies when a GPU is named), every expert's bytes checked, and the measured
// figures reported beside the simulator's prediction for the same run.
#include <cstdint>
#include <string>
#include <vector>

namespace tiersim::real {

struct RealRunOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out_dir;   // default results/<name>-real
  std::string nvme_dir;  // the backing store's files; default OUT/nvme
  std::string scale = "1";  // "1/64" or "0.25": experts shrink by this factor
  int gpu = -1;             // tier 0 on this GPU; host memory stands in for HBM if < 0
  bool pageable = false;    // host buffers for CUDA copies not pinned
  unsigned streams = 2;     // CUDA streams per link
  unsigned queue_depth = 8;
  std::string block_size = "1 MiB";
  bool single_file = false;  // one file for all experts (else one per expert)
  bool keep_files = false;   // keep the expert files after the run
  bool quiet = false;
  std::string cpus;  // keep every thread on these CPUs ("1", "0-3"); empty: wherever the kernel puts them
};

int run_real(const RealRunOptions& options);

// Parses a scale given as a fraction ("1/64") or a number in (0, 1]; throws InputError.
double parse_scale(const std::string& text);

}  // namespace tiersim::real
