#include "real_backend/machine_checks.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "real_backend/executor.h"
#include "sim/engine/memory.h"
#include "sim/errors.h"
#include "sim/config/units.h"

namespace tiersim::real {

namespace {
constexpr long kTmpfsMagic = 0x01021994;
constexpr long kRamfsMagic = 0x858458f6;
}  // namespace

void require_memory(uint64_t bytes, const std::string& what) {
  const uint64_t available = sim::available_memory();
  const uint64_t margin = 256ull << 20;
  if (available != UINT64_MAX && bytes + margin > available) {
    throw BackendUnavailable(what + " needs " + sim::units::format_bytes(bytes) + " of memory but only " +
                             sim::units::format_bytes(available) +
                             " is available; shrink the experts with --scale (e.g. --scale 1/64) or use fewer experts");
  }
}

void require_direct_io_dir(const std::string& dir, uint64_t bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir)) {  // read-only, no permission, a file in the way: an I/O failure
    throw IoError("--nvme-dir " + dir + ": is not a directory and cannot be created" + (ec ? ": " + ec.message() : ""));
  }
  struct statfs fs {};
  if (statfs(dir.c_str(), &fs) == 0 && (fs.f_type == kTmpfsMagic || fs.f_type == kRamfsMagic)) {
    throw BackendUnavailable("--nvme-dir " + dir + " is on " + (fs.f_type == kTmpfsMagic ? "tmpfs" : "ramfs") +
                             " (memory): O_DIRECT I/O there never reaches a disk; give a directory on the NVMe drive to measure");
  }
  struct statvfs vfs {};
  if (statvfs(dir.c_str(), &vfs) == 0) {
    if (vfs.f_flag & ST_RDONLY) throw IoError(io_message(dir, "--nvme-dir cannot hold the expert files", EROFS));
    const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    constexpr uint64_t kSpare = 64ull << 20;
    if (bytes + kSpare > free_bytes) {
      throw BackendUnavailable("--nvme-dir " + dir + " has " + sim::units::format_bytes(free_bytes) + " free but " +
                               sim::units::format_bytes(bytes) + " and " + sim::units::format_bytes(kSpare) +
                               " to spare are needed; free space there, choose another directory, or shrink the run "
                               "(--scale, --max-size)");
    }
  }
  const std::string probe = dir + "/.tiersim_direct_io_probe";
  const int fd = open(probe.c_str(), O_CREAT | O_RDWR | O_DIRECT | O_CLOEXEC, 0644);
  const int error = errno;
  if (fd >= 0) close(fd);
  unlink(probe.c_str());
  if (fd < 0 && error != EINVAL) {  // read-only, no permission, no space: not about O_DIRECT
    throw IoError(io_message(probe, "--nvme-dir " + dir + ": cannot create files there", error));
  }
  if (fd < 0) {
    throw BackendUnavailable("--nvme-dir " + dir + " does not take O_DIRECT files (open: " + std::strerror(error) +
                             "); give a directory on a local disk file system such as ext4 or xfs");
  }
}

int open_direct(const std::string& path) {
  const int fd = open(path.c_str(), O_CREAT | O_RDWR | O_DIRECT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw BackendUnavailable("cannot open " + path + " with O_DIRECT: " + std::strerror(errno) +
                             "; give a directory on a local disk file system (--nvme-dir)");
  }
  return fd;
}

}  // namespace tiersim::real
