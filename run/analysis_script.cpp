#include "run/analysis_script.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "sim/errors.h"
#include "tiersim/version.h"

extern char** environ;

namespace tiersim {

std::string analysis_dir() { return kAnalysisDir; }

int run_analysis_script(const std::string& name, const std::vector<std::string>& arguments) {
  const std::string script = analysis_dir() + "/" + name;
  if (!std::filesystem::exists(script)) throw InputError(script + ": the plotting script is missing");
  std::vector<std::string> args{kPlotPython, script};
  args.insert(args.end(), arguments.begin(), arguments.end());
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
