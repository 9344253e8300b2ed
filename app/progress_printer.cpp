#include "app/progress_printer.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

#include "sim/engine/progress.h"

namespace tiersim {

namespace {

constexpr double kFirstPrintSeconds = 2.0;
constexpr auto kTerminalPeriod = std::chrono::milliseconds(250);
constexpr auto kLogPeriod = std::chrono::seconds(5);

std::string duration_text(double seconds) {
  char text[32];
  if (seconds < 100) std::snprintf(text, sizeof text, "%.0f s", seconds);
  else if (seconds < 6000) std::snprintf(text, sizeof text, "%.0f min", seconds / 60);
  else std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  return text;
}

void on_stop_signal(int signal) { sim::progress::request_stop(signal); }

}  // namespace

ProgressPrinter::ProgressPrinter(std::string label, std::function<ProgressReading()> read, bool quiet)
    : label_(std::move(label)), read_(std::move(read)), tty_(::isatty(STDERR_FILENO) == 1) {
  if (!quiet) thread_ = std::thread([this] { loop(); });
}

ProgressPrinter::ProgressPrinter(std::string label, bool quiet)
    : ProgressPrinter(
          std::move(label),
          [meter = &sim::progress::meter()] {
            const char* unit = meter->unit.load(std::memory_order_acquire);
            return ProgressReading{static_cast<double>(meter->done.load(std::memory_order_relaxed)),
                                   static_cast<double>(meter->total.load(std::memory_order_relaxed)), unit ? unit : ""};
          },
          quiet) {}

ProgressPrinter::~ProgressPrinter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (drew_ && tty_) std::fprintf(stderr, "\r\033[K");
}

void ProgressPrinter::loop() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, tty_ ? std::chrono::duration_cast<std::chrono::milliseconds>(kTerminalPeriod)
                                    : std::chrono::duration_cast<std::chrono::milliseconds>(kLogPeriod),
                         [this] { return stop_; })) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed >= kFirstPrintSeconds) print(elapsed);
  }
}

void ProgressPrinter::print(double elapsed) {
  const ProgressReading r = read_();
  if (r.unit.empty()) return;
  std::string line = label_;  // appended, not label_ + ": ": GCC 12 warns falsely (-Wrestrict)
  line += ": ";
  char text[160];
  if (r.total > 0) {
    const double share = std::min(1.0, r.done / r.total);
    const double eta = share > 0 ? elapsed * (1 - share) / share : 0;
    if (tty_) {
      const int width = 24, filled = static_cast<int>(share * width);
      line += '[';
      line.append(static_cast<size_t>(filled), '#');
      line.append(static_cast<size_t>(width - filled), ' ');
      line += "] ";
    }
    std::snprintf(text, sizeof text, "%.0f/%.0f %s (%.0f%%), %s elapsed, ETA %s", r.done, r.total, r.unit.c_str(),
                  100 * share, duration_text(elapsed).c_str(), share > 0 ? duration_text(eta).c_str() : "unknown");
  } else {
    std::snprintf(text, sizeof text, "%.0f %s, %s elapsed", r.done, r.unit.c_str(), duration_text(elapsed).c_str());
  }
  line += text;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    drew_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal takes the default action: the user insists
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace tiersim
