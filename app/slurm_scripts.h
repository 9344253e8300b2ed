#pragma once
// The sbatch scripts that run a sweep on a Slurm cluster: a job array whose task K runs
// shard K/N of the sweep into DIR/shard-K (resuming, so a requeued task keeps its finished
// points), and a job, dependent on the whole array, that merges the shards into
// DIR/results.csv.
#include <cstdint>
#include <string>

namespace tiersim {

struct SlurmSweep {
  std::string tiersim;     // absolute path of the tiersim binary
  std::string sweep_file;  // absolute
  std::string out_dir;     // absolute
  std::string workdir;     // where relative paths in the sweep resolve (the current folder)
  uint32_t shards = 1;
  uint32_t jobs_per_task = 1;
  std::string partition;   // empty: the cluster's default
  std::string time_limit;  // empty: the partition's default
};

// Writes DIR/slurm/sweep.sbatch and DIR/slurm/merge.sbatch; returns their paths.
std::pair<std::string, std::string> write_slurm_scripts(const SlurmSweep& sweep);

// Submits both (sbatch; the merge with --dependency=afterok on the array) and returns the
// two job ids. Throws InputError if sbatch is missing or refuses.
std::pair<std::string, std::string> submit_slurm_scripts(const std::pair<std::string, std::string>& scripts);

}  // namespace tiersim
