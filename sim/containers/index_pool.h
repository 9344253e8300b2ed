#pragma once
// Records kept in one vector and named by index, so an event can carry the index while the
// vector grows. A released index is handed out again before the vector grows; its record
// keeps its old contents (and their capacity) for the caller to reset.
#include <cstdint>
#include <vector>

namespace sim {

template <class T>
class IndexPool {
 public:
  uint32_t acquire() {
    if (!free_.empty()) {
      const uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    items_.emplace_back();
    return static_cast<uint32_t>(items_.size() - 1);
  }
  void release(uint32_t i) { free_.push_back(i); }

  T& operator[](uint32_t i) { return items_[i]; }
  const T& operator[](uint32_t i) const { return items_[i]; }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
};

}  // namespace sim
