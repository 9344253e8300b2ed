#pragma once
// One writer per output folder: run, sweep and merge hold an exclusive flock(2) on
// DIR/.tiersim.lock while they work, so two of them started into one --out cannot mix
// their results. The file names its holder (host, process id, command); a second writer
// is refused with that name. A lock left by a holder that is gone (killed, crashed) is
// free to flock and is taken over with a notice on stderr. Temporary files a killed writer
// left (".NAME.tmp.PID") are removed once the lock is held.
#include <string>

namespace tiersim {

class OutputLock {
 public:
  // Creates `dir` if needed and locks it; throws InputError naming the holder when another
  // process holds it. `command`: what this process is doing there ("run", "sweep").
  OutputLock(const std::string& dir, const std::string& command);
  ~OutputLock();  // unlocks; removes the lock file, and `dir` too if this made it and it is empty
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  static constexpr const char* kFileName = ".tiersim.lock";

 private:
  std::string dir_, path_;
  int fd_ = -1;
  bool made_dir_ = false;
};

}  // namespace tiersim
