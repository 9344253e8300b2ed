#include "real_backend/memcpy_executor.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>

namespace tiersim::real {

namespace {

// Copies go in pieces of this size so that a copy's speed does not depend on its length.
// The C library switches to non-temporal stores from a threshold it derives from the
// cache size (127 MiB on the development VM, whose virtual L3 claims 508 MiB), and there
// a whole 256 MiB copy ran at 15.9 GB/s against 19 GB/s in pieces: one line,
// latency + bytes / bandwidth, could not hold on both sides of it. In pieces, whatever
// path the library takes for 2 MiB (a huge page), every piece of every copy takes it.
constexpr uint64_t kPieceBytes = 2ull << 20;

void copy_in_pieces(char* to, const char* from, uint64_t bytes) {
  for (uint64_t done = 0; done < bytes; done += kPieceBytes) std::memcpy(to + done, from + done, std::min(kPieceBytes, bytes - done));
}

class MemcpyExecutor final : public Executor {
 public:
  MemcpyExecutor(CompletionQueue& completions, unsigned threads) : completions_(completions) {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~MemcpyExecutor() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void submit(const Copy& copy) override {
    {
      std::lock_guard lock(mutex_);
      queue_.push(copy);
    }
    wake_.notify_one();
  }

  std::string describe() const override {
    return "host memcpy, " + std::to_string(workers_.size()) + (workers_.size() == 1 ? " thread" : " threads");
  }

 private:
  void work() {
    for (;;) {
      Copy copy;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        copy = queue_.pop();
      }
      Completion done;
      done.owner = copy.owner;
      done.id = copy.id;
      done.started = std::chrono::steady_clock::now();
      copy_in_pieces(copy.to.pointer, copy.from.pointer, copy.bytes);
      done.finished = std::chrono::steady_clock::now();
      completions_.push(std::move(done));
    }
  }

  CompletionQueue& completions_;
  std::mutex mutex_;
  std::condition_variable wake_;
  CopyQueue queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<Executor> make_memcpy_executor(CompletionQueue& completions, unsigned threads) {
  return std::make_unique<MemcpyExecutor>(completions, threads == 0 ? 1 : threads);
}

}  // namespace tiersim::real
