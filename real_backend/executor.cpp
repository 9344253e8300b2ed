#include "real_backend/executor.h"

namespace tiersim::real {

void CompletionQueue::push(Completion completion) {
  {
    std::lock_guard lock(mutex_);
    done_.push_back(std::move(completion));
  }
  ready_.notify_one();
}

void CompletionQueue::wait_until(std::chrono::steady_clock::time_point deadline, std::vector<Completion>& out) {
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, deadline, [this] { return !done_.empty(); });
  for (Completion& c : done_) out.push_back(std::move(c));
  done_.clear();
}

void CompletionQueue::take(std::vector<Completion>& out) {
  std::lock_guard lock(mutex_);
  for (Completion& c : done_) out.push_back(std::move(c));
  done_.clear();
}

}  // namespace tiersim::real
