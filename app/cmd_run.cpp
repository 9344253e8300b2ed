// `tiersim run`: load a config, simulate its workload over its topology, write
// DIR/results.csv (one row) and DIR/summary.json, print a short summary.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/progress_printer.h"
#include "run/config_paths.h"
#include "run/results_folder.h"
#include "run/simulate.h"
#include "sim/config/config_node.h"
#include "sim/config/load_config.h"
#include "sim/output/output_lock.h"

namespace tiersim {

int print_or_simulate(const nlohmann::json& config, bool print_config, const std::string& source, const std::string& out_dir,
                      bool quiet) {
  if (!print_config) return run_simulation(config, source, "", out_dir, quiet);
  std::printf("%s\n", config.dump(2).c_str());
  return 0;
}

int run_simulation(const nlohmann::json& config, const std::string& source, const std::string& base_dir,
                   const std::string& out_dir_option, bool quiet) {
  const RunConfig parsed = parse_run_config(config, source, base_dir);
  const std::string out_dir = out_dir_option.empty() ? default_results_dir(parsed.name) : out_dir_option;
  const OutputLock lock(out_dir, "run");
  const models::WorkloadRun run = [&] {
    const ProgressPrinter progress("run", quiet);
    return simulate(parsed, config);
  }();
  write_run_results(run, config, source, out_dir);
  if (!quiet && run.print_summary) run.print_summary(out_dir);
  return 0;
}

int run_command(const RunCommand& command) {
  const nlohmann::json config = load_config(command.config_path, anchor_overrides(command.overrides));
  return run_simulation(config, command.config_path, config_dir(command.config_path), command.out_dir, command.quiet);
}

}  // namespace tiersim
