#include "run/analysis_script.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sim/errors.h"
#include "tiersim/version.h"

extern char** environ;

namespace tiersim {

namespace {

std::filesystem::path executable_dir() {
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : exe.parent_path();
}

}  // namespace

// $TIERSIM_ANALYSIS_DIR, else beside an installed binary (PREFIX/bin/tiersim ->
// PREFIX/share/tiersim/analysis), else beside the binary in its build folder (a link to
// the source tree's analysis/ that CMake makes).
std::string analysis_dir() {
  if (const char* dir = std::getenv("TIERSIM_ANALYSIS_DIR"); dir && *dir) return dir;
  const std::filesystem::path here = executable_dir();
  for (const std::filesystem::path& candidate : {here / ".." / "share" / "tiersim" / "analysis", here / "analysis"}) {
    if (std::filesystem::exists(candidate / "plot.py")) return candidate.lexically_normal().string();
  }
  throw InputError("cannot find the analysis scripts (plot.py) beside " + here.string() +
                   ": install tiersim with cmake --install, or set TIERSIM_ANALYSIS_DIR to the analysis/ folder");
}

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
