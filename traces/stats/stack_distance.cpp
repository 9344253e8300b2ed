#include "traces/stats/stack_distance.h"

#include <algorithm>

namespace tiersim::traces {

void StackDistance::add(uint64_t index, int delta) {
  for (uint64_t i = index + 1; i <= tree_.size(); i += i & (~i + 1)) tree_[i - 1] += delta;
}

uint64_t StackDistance::prefix(uint64_t index) const {
  int64_t sum = 0;
  for (uint64_t i = index + 1; i > 0; i -= i & (~i + 1)) sum += tree_[i - 1];
  return static_cast<uint64_t>(sum);
}

void StackDistance::compact() {
  // Renumber live last-access times to 0..U-1 in order, then size the tree for 4U more.
  std::vector<std::pair<uint64_t, uint64_t>> by_time;  // (time, key)
  by_time.reserve(last_.size());
  last_.for_each([&](uint64_t key, uint64_t time) { by_time.emplace_back(time, key); });
  std::sort(by_time.begin(), by_time.end());
  for (uint64_t i = 0; i < by_time.size(); ++i) *last_.find(by_time[i].second) = i;
  const uint64_t live = by_time.size();
  tree_.assign(std::max<uint64_t>(4 * live, 1 << 16), 0);
  // Build with all ones at [0, live): each node i (1-based) covers (i - lowbit(i), i].
  for (uint64_t i = 1; i <= tree_.size(); ++i) {
    const uint64_t low = i - (i & (~i + 1));
    const uint64_t high = std::min(i, live);
    tree_[i - 1] = high > low ? static_cast<int32_t>(high - low) : 0;
  }
  now_ = live;
}

uint64_t StackDistance::access(uint64_t key) {
  if (now_ >= tree_.size()) compact();
  uint64_t distance = kCold;
  if (uint64_t* last = last_.find(key)) {
    distance = (now_ == 0 ? 0 : prefix(now_ - 1)) - prefix(*last);
    add(*last, -1);
    *last = now_;
  } else {
    last_.insert(key, now_);
  }
  add(now_, +1);
  ++now_;
  return distance;
}

}  // namespace tiersim::traces
