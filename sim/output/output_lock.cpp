#include "sim/output/output_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "sim/config/excerpt.h"
#include "sim/errors.h"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

std::string read_holder(int fd) {
  char text[512];
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, n > 0 ? static_cast<size_t>(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return excerpt(holder, 200);
}

std::string this_holder(const std::string& command) {
  char host[256] = "unknown host";
  ::gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = 0;
  return "tiersim " + command + ", process " + std::to_string(::getpid()) + " on " + host;
}

// Temporary files (".NAME.tmp.PID", results_writer.h) of a writer killed before it could
// rename them: with the lock held no other writer is here, so any such file is stale.
void remove_stale_temporaries(const std::string& dir) {
  std::error_code error;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, error)) {
    const std::string name = e.path().filename().string();
    const size_t tmp = name.rfind(".tmp.");
    if (name.size() > 1 && name[0] == '.' && tmp != std::string::npos && tmp + 5 < name.size() &&
        name.find_first_not_of("0123456789", tmp + 5) == std::string::npos && e.is_regular_file(error)) {
      fs::remove(e.path(), error);
    }
  }
}

// Whether `fd` is still the file at `path` (a holder that finished unlinks it; one that
// opened it before then must open the new one).
bool still_linked(int fd, const std::string& path) {
  struct stat open_file, named;
  return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 && open_file.st_ino == named.st_ino &&
         open_file.st_dev == named.st_dev;
}

}  // namespace

OutputLock::OutputLock(const std::string& dir, const std::string& command)
    : dir_(dir), path_((fs::path(dir) / kFileName).string()) {
  std::error_code error;
  if (fs::exists(dir_, error) && !fs::is_directory(dir_, error)) throw InputError(dir_ + ": exists and is not a folder");
  made_dir_ = fs::create_directories(dir_, error);
  if (error) throw IoError(dir_ + ": cannot create output folder: " + error.message());
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(io_message(path_, "cannot create the output folder's lock", errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int why = errno;
      const std::string holder = read_holder(fd_);
      ::close(fd_);
      fd_ = -1;
      if (why != EWOULDBLOCK) throw IoError(io_message(path_, "cannot lock the output folder", why));
      throw InputError(dir_ + ": another tiersim is writing here (" + (holder.empty() ? "holder unknown" : holder) +
                       "); wait for it to finish, or choose another --out");
    }
    if (still_linked(fd_, path_)) break;
    ::close(fd_);  // the holder finished and removed the file meanwhile: lock the new one
  }
  const std::string stale = read_holder(fd_);
  if (!stale.empty()) {
    std::fprintf(stderr, "tiersim: note: %s: taking over the lock of %s, which is no longer running\n", dir_.c_str(),
                 stale.c_str());
  }
  remove_stale_temporaries(dir_);
  const std::string holder = this_holder(command) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) != static_cast<ssize_t>(holder.size())) {
    const int why = errno;
    ::close(fd_);
    throw IoError(io_message(path_, "cannot write the output folder's lock", why));
  }
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // before unlocking: a waiting writer then opens a fresh file
  ::close(fd_);
  if (made_dir_) {
    std::error_code error;
    if (fs::is_empty(dir_, error) && !error) fs::remove(dir_, error);
  }
}

}  // namespace tiersim
