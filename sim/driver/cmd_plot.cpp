// `tiersim plot DIR`: the figures and report.html of analysis/plot.py for a results folder.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/config/input_error.h"
#include "sim/driver/commands.h"
#include "tiersim/version.h"

extern char** environ;

namespace tiersim {

int plot_command(const std::string& dir) {
  if (!std::filesystem::exists(dir + "/results.csv")) {
    throw InputError(dir + "/results.csv: no such file (give the --out folder of tiersim sweep or run)");
  }
  const std::string script = std::string(kAnalysisDir) + "/plot.py";
  if (!std::filesystem::exists(script)) throw InputError(script + ": the plotting script is missing");
  std::vector<std::string> args{kPlotPython, script, dir};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    throw InputError(std::string("cannot start ") + kPlotPython + " (install python3-matplotlib and python3-pandas)");
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) return 70;
  return WEXITSTATUS(status);
}

}  // namespace tiersim
