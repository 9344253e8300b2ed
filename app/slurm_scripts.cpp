#include "app/slurm_scripts.h"

#include <cstdio>
#include <filesystem>

#include "sim/errors.h"
#include "sim/output/results_writer.h"

namespace tiersim {

namespace {

// Single quotes for the shell.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string header(const SlurmSweep& s, const std::string& name, const std::string& log) {
  std::string h = "#!/bin/bash\n";
  h += "#SBATCH --job-name=" + name + "\n";
  h += "#SBATCH --chdir=" + s.workdir + "\n";
  h += "#SBATCH --output=" + log + "\n";
  h += "#SBATCH --ntasks=1\n";
  h += "#SBATCH --cpus-per-task=" + std::to_string(s.jobs_per_task) + "\n";
  if (!s.partition.empty()) h += "#SBATCH --partition=" + s.partition + "\n";
  if (!s.time_limit.empty()) h += "#SBATCH --time=" + s.time_limit + "\n";
  return h;  // sbatch reads directives only up to the first command
}

// Runs a command; returns its stdout, or throws with what it printed.
std::string capture(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw InputError("cannot run: " + command);
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = ::pclose(pipe);
  if (status != 0) throw InputError("`" + command + "` failed: " + out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

std::pair<std::string, std::string> write_slurm_scripts(const SlurmSweep& s) {
  const std::string dir = s.out_dir + "/slurm";
  std::filesystem::create_directories(dir);
  const std::string n = std::to_string(s.shards);
  std::string array = header(s, "tiersim-sweep", dir + "/shard-%a.log");
  array += "#SBATCH --array=1-" + n + "\nset -euo pipefail\n";
  array += "# Task K runs shard K/" + n + " into its own folder; --resume keeps what a requeued task finished.\n";
  array += quoted(s.tiersim) + " sweep " + quoted(s.sweep_file) + " --out " + quoted(s.out_dir) +
           "/shard-\"$SLURM_ARRAY_TASK_ID\" --shard \"$SLURM_ARRAY_TASK_ID\"/" + n + " --resume --quiet --jobs " +
           std::to_string(s.jobs_per_task) + "\n";
  std::string merge = header(s, "tiersim-merge", dir + "/merge.log") + "set -euo pipefail\n";
  merge += quoted(s.tiersim) + " merge";
  for (uint32_t k = 1; k <= s.shards; ++k) {
    merge += ' ';
    merge += quoted(s.out_dir);
    merge += "/shard-";
    merge += std::to_string(k);
  }
  merge += " --out " + quoted(s.out_dir) + "\n";
  const std::string array_path = dir + "/sweep.sbatch", merge_path = dir + "/merge.sbatch";
  write_file_atomically(array_path, array);
  write_file_atomically(merge_path, merge);
  std::filesystem::permissions(array_path, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  std::filesystem::permissions(merge_path, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  return {array_path, merge_path};
}

std::pair<std::string, std::string> submit_slurm_scripts(const std::pair<std::string, std::string>& scripts) {
  const std::string array = capture("sbatch --parsable " + quoted(scripts.first));
  const std::string array_id = array.substr(0, array.find(';'));
  const std::string merge = capture("sbatch --parsable --dependency=afterok:" + array_id + " " + quoted(scripts.second));
  return {array_id, merge.substr(0, merge.find(';'))};
}

}  // namespace tiersim
