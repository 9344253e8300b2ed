#pragma once
// An executor really moves bytes: host memory copies, file I/O through io_uring, CUDA
// copies. Copies are submitted from one thread; each finishes on the executor's own
// threads, which push a Completion (with the moment the bytes arrived) onto a queue that
// the submitting thread drains. Demand copies go before background ones that have not
// started (the same non-preemptive priority as the simulated links).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace tiersim::real {

// The machine cannot run what was asked (no io_uring, no GPU, no O_DIRECT...): the
// message says what to change.
struct BackendUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where bytes are: host memory, a file (O_DIRECT descriptor and offset) or GPU memory.
struct Location {
  enum class Kind : uint8_t { kHost, kFile, kDevice };
  Kind kind = Kind::kHost;
  char* pointer = nullptr;  // host or device address
  int fd = -1;
  uint64_t offset = 0;      // in the file
};

struct Copy {
  Location from, to;
  uint64_t bytes = 0;
  // File copies only: the host side is this many bytes, which the copy's requests cycle
  // through (fio's queue depth x block size buffer) instead of being `bytes` long; a
  // multiple of the executor's request size. 0: the host side is `bytes` long.
  uint64_t host_ring = 0;
  bool background = false;
  void* owner = nullptr;  // handed back in the completion
  uint64_t id = 0;
};

struct Completion {
  void* owner = nullptr;
  uint64_t id = 0;
  std::chrono::steady_clock::time_point started, finished;
  // The copy's own duration on the device where the executor can time it so, negative
  // otherwise: CUDA events around it on its stream, or for io_uring from submitting its
  // first request to reaping its last completion (fio's "lat").
  double device_seconds = -1;
  std::string error;  // empty when the copy succeeded
};

// Completions from every executor of a run, drained by the thread that submits.
class CompletionQueue {
 public:
  void push(Completion completion);
  // Moves what has completed into `out`, waiting until `deadline` if nothing has.
  void wait_until(std::chrono::steady_clock::time_point deadline, std::vector<Completion>& out);
  void take(std::vector<Completion>& out);

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Completion> done_;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void submit(const Copy& copy) = 0;
  // What it is, for outputs: "host memcpy, 1 thread", "io_uring O_DIRECT, qd 8, 1 MiB".
  virtual std::string describe() const = 0;
};

// Two FIFO queues, demand first: the waiting copies of an executor.
class CopyQueue {
 public:
  void push(const Copy& copy) { (copy.background ? background_ : demand_).push_back(copy); }
  bool empty() const { return demand_.empty() && background_.empty(); }
  size_t size() const { return demand_.size() + background_.size(); }
  Copy pop() {
    std::deque<Copy>& from = demand_.empty() ? background_ : demand_;
    Copy c = from.front();
    from.pop_front();
    return c;
  }

 private:
  std::deque<Copy> demand_, background_;
};

}  // namespace tiersim::real
