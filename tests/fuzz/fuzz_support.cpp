#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "fuzz_target.h"
#include "traces/trace_format.h"

namespace tiersim::fuzz {

namespace fs = std::filesystem;

std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out.flush()) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

void read_whole_trace(const std::string& path, const std::string& format, bool ordered_steps) {
  const std::unique_ptr<traces::TraceReader> reader = traces::open_trace(path, traces::parse_format(format));
  reader->require_ordered_steps(ordered_steps);
  (void)reader->has_sizes();
  std::vector<traces::Access> batch(1024);
  while (reader->read(batch.data(), batch.size()) > 0) {
  }
}

const std::string& config_mirror() {
  static const std::string dir = [] {
    const fs::path mirror = fs::path(scratch_dir()) / "configs";
    fs::create_directories(mirror / "sweeps");
    for (const fs::directory_entry& e : fs::directory_iterator(fs::path(TIERSIM_SOURCE_DIR) / "configs"))
      if (e.path().filename() != "sweeps") fs::create_symlink(e.path(), mirror / e.path().filename());
    return mirror.string();
  }();
  return dir;
}

}  // namespace tiersim::fuzz
