// A sweep file, loaded as `tiersim sweep --dry-run` does: every value of every parameter
// applied to the base and checked, and the last point built.
#include <filesystem>

#include "app/sweep_spec.h"
#include "fuzz_target.h"

namespace tiersim::fuzz {
namespace {

void load_sweep_file(const uint8_t* data, size_t size) {
  const std::string path = config_mirror() + "/sweeps/input.json";
  std::filesystem::remove(path);
  std::filesystem::copy_file(write_input(data, size, "sweep.json"), path);
  const SweepSpec spec = load_sweep(path);
  (void)spec.point(spec.size() - 1);
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(sweep, "sweep", "a sweep file, loaded and every value checked", load_sweep_file);

}  // namespace tiersim::fuzz
