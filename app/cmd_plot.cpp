// `tiersim plot DIR`: the figures and report.html of analysis/plot.py for a results folder.
#include <filesystem>
#include <string>

#include "sim/errors.h"
#include "app/commands.h"
#include "run/analysis_script.h"

namespace tiersim {

int plot_command(const std::string& dir) {
  if (!std::filesystem::exists(dir + "/results.csv")) {
    throw InputError(dir + "/results.csv: no such file (give the --out folder of tiersim sweep or run)");
  }
  return run_analysis_script("plot.py", {dir});
}

}  // namespace tiersim
