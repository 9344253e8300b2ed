#pragma once
// Progress of a long command on stderr, read from the work's meters by a thread of its
// own: on a terminal a bar with elapsed time and ETA, redrawn a few times a second; into
// a file or pipe a line every 5 seconds. Nothing is printed for work that ends in its
// first seconds, so quick commands stay quiet.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tiersim {

struct ProgressReading {
  double done = 0;       // may be fractional (a sweep's points in flight count in part)
  double total = 0;      // 0: unknown
  std::string unit;      // "steps", "points"
};

class ProgressPrinter {
 public:
  // `read` is called from the printer's thread. `quiet`: print nothing.
  ProgressPrinter(std::string label, std::function<ProgressReading()> read, bool quiet);
  // Follows the calling thread's meter (sim::progress::meter()).
  ProgressPrinter(std::string label, bool quiet);
  ~ProgressPrinter();  // stops the thread and clears a bar it drew
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

 private:
  void loop();
  void print(double elapsed);

  std::string label_;
  std::function<ProgressReading()> read_;
  bool tty_ = false, drew_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// SIGINT and SIGTERM ask running work to stop (sim::progress::request_stop); a second
// one ends the process at once.
void install_stop_handlers();

}  // namespace tiersim
