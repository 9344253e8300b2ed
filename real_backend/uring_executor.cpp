#include "real_backend/uring_executor.h"

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

namespace tiersim::real {

namespace {

constexpr uint64_t kWakeTag = 0;

class UringExecutor final : public Executor {
 public:
  UringExecutor(CompletionQueue& completions, unsigned queue_depth, uint64_t block_size)
      : completions_(completions), queue_depth_(queue_depth), block_size_(block_size) {
    const int rc = io_uring_queue_init(queue_depth + 1, &ring_, 0);
    if (rc < 0) {
      throw BackendUnavailable(std::string("io_uring is not available on this machine (io_uring_queue_init: ") + std::strerror(-rc) +
                               "); the kernel must be 5.6 or newer with io_uring enabled (sysctl kernel.io_uring_disabled=0), "
                               "or run without --backend real");
    }
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      io_uring_queue_exit(&ring_);
      throw BackendUnavailable(std::string("eventfd failed: ") + std::strerror(errno));
    }
    thread_ = std::thread([this] { loop(); });
  }

  ~UringExecutor() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake();
    thread_.join();
    io_uring_queue_exit(&ring_);
    close(wake_fd_);
  }

  void submit(const Copy& copy) override {
    {
      std::lock_guard lock(mutex_);
      queue_.push(copy);
    }
    wake();
  }

  std::string describe() const override {
    return "io_uring O_DIRECT, queue depth " + std::to_string(queue_depth_) + ", " + std::to_string(block_size_ >> 10) + " KiB requests";
  }

 private:
  struct Active {
    Copy copy;
    uint64_t issued = 0;      // bytes with a request submitted
    uint32_t outstanding = 0;  // requests in flight
    std::chrono::steady_clock::time_point submitted;  // its first request was submitted
    Completion done;
    bool in_use = false;
  };

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd_, &one, sizeof one);
  }

  void arm_wake() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
    io_uring_sqe_set_data64(sqe, kWakeTag);
  }

  // The copy whose requests go out next: the oldest started one not fully issued, else a
  // new one from the queue (demand first).
  Active* next_to_issue() {
    if (issuing_ != nullptr && issuing_->issued < issuing_->copy.bytes) return issuing_;
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return nullptr;
    uint32_t index = 0;
    while (index < active_.size() && active_[index].in_use) ++index;
    if (index == active_.size()) active_.emplace_back();
    Active& a = active_[index];
    a = Active{};
    a.copy = queue_.pop();
    a.in_use = true;
    a.done.owner = a.copy.owner;
    a.done.id = a.copy.id;
    a.done.started = std::chrono::steady_clock::now();
    issuing_ = &a;  // active_ never reallocates while requests point into it: see reserve below
    return issuing_;
  }

  void issue() {
    while (in_flight_ < queue_depth_) {
      Active* a = next_to_issue();
      if (a == nullptr) return;
      const Copy& c = a->copy;
      const uint64_t length = std::min<uint64_t>(block_size_, c.bytes - a->issued);
      if (a->issued == 0) just_started_.push_back(a);
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      const uint64_t in_memory = c.host_ring != 0 ? a->issued % c.host_ring : a->issued;
      if (c.from.kind == Location::Kind::kFile) {
        io_uring_prep_read(sqe, c.from.fd, c.to.pointer + in_memory, static_cast<unsigned>(length), c.from.offset + a->issued);
      } else {
        io_uring_prep_write(sqe, c.to.fd, c.from.pointer + in_memory, static_cast<unsigned>(length), c.to.offset + a->issued);
      }
      const uint64_t index = static_cast<uint64_t>(a - active_.data());
      io_uring_sqe_set_data64(sqe, ((index + 1) << 32) | length);
      a->issued += length;
      ++a->outstanding;
      ++in_flight_;
    }
  }

  void loop() {
    active_.reserve(1 << 16);  // pointers into it stay valid (at most this many copies at once)
    arm_wake();
    for (;;) {
      issue();
      // Stamped before the submission call, which on a virtual machine includes the
      // doorbell's exit to the hypervisor: fio's "lat" counts it too.
      const auto now = std::chrono::steady_clock::now();
      for (Active* a : just_started_) a->submitted = now;
      just_started_.clear();
      io_uring_submit(&ring_);
      io_uring_cqe* cqe = nullptr;
      const int rc = io_uring_wait_cqe(&ring_, &cqe);
      if (rc < 0) {
        if (rc == -EINTR) continue;
        fail_all(std::string("io_uring_wait_cqe: ") + std::strerror(-rc));
        return;
      }
      unsigned head, seen = 0;
      bool rearm = false;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        const uint64_t tag = io_uring_cqe_get_data64(cqe);
        if (tag == kWakeTag) {
          rearm = true;
          continue;
        }
        Active& a = active_[(tag >> 32) - 1];
        const uint64_t length = tag & 0xffffffffu;
        if (cqe->res < 0) {
          if (a.done.error.empty()) a.done.error = std::string(a.copy.from.kind == Location::Kind::kFile ? "read" : "write") + " failed: " + std::strerror(-cqe->res);
        } else if (static_cast<uint64_t>(cqe->res) != length) {
          if (a.done.error.empty()) a.done.error = "short " + std::string(a.copy.from.kind == Location::Kind::kFile ? "read" : "write") + " (" +
                                                    std::to_string(cqe->res) + " of " + std::to_string(length) + " bytes)";
        }
        --a.outstanding;
        --in_flight_;
        if (a.outstanding == 0 && a.issued == a.copy.bytes) {
          a.done.finished = std::chrono::steady_clock::now();
          // What fio calls a request's latency: from submitting the first request to
          // reaping the last completion, without the hand-offs between threads.
          a.done.device_seconds = std::chrono::duration<double>(a.done.finished - a.submitted).count();
          a.in_use = false;
          if (issuing_ == &a) issuing_ = nullptr;
          completions_.push(std::move(a.done));
        }
      }
      io_uring_cq_advance(&ring_, seen);
      if (rearm) arm_wake();
      std::lock_guard lock(mutex_);
      if (stopping_ && queue_.empty() && in_flight_ == 0) return;
    }
  }

  void fail_all(const std::string& why) {
    for (Active& a : active_) {
      if (!a.in_use) continue;
      a.done.error = why;
      a.done.finished = std::chrono::steady_clock::now();
      completions_.push(std::move(a.done));
    }
  }

  CompletionQueue& completions_;
  const unsigned queue_depth_;
  const uint64_t block_size_;
  io_uring ring_{};
  int wake_fd_ = -1;
  uint64_t wake_value_ = 0;
  std::mutex mutex_;
  CopyQueue queue_;
  bool stopping_ = false;
  std::vector<Active> active_;
  Active* issuing_ = nullptr;
  std::vector<Active*> just_started_;  // first request prepared, not yet submitted
  unsigned in_flight_ = 0;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Executor> make_uring_executor(CompletionQueue& completions, unsigned queue_depth, uint64_t block_size) {
  return std::make_unique<UringExecutor>(completions, queue_depth == 0 ? 1 : queue_depth, block_size);
}

}  // namespace tiersim::real
