// `tiersim plot DIR`: the figures and report.html of analysis/plot.py for any results folder
// (run, sweep, cache, mrc, calibration).
#include <filesystem>
#include <string>

#include "sim/errors.h"
#include "app/commands.h"
#include "run/analysis_script.h"

namespace tiersim {

int plot_command(const std::string& dir) {
  std::error_code unreadable;
  const bool known = std::filesystem::exists(dir + "/results.csv", unreadable) ||
                     std::filesystem::exists(dir + "/mrc.csv", unreadable) ||
                     std::filesystem::exists(dir + "/profile.json", unreadable);
  if (!known) {
    throw InputError(dir + ": holds no results.csv, mrc.csv or profile.json (give the --out folder of tiersim run, sweep, "
                     "cache, mrc or calibrate)");
  }
  return run_analysis_script("plot.py", {dir});
}

}  // namespace tiersim
