#pragma once
// A binary min-heap of dense ids (cache slots) with a position index, so an id's key can
// be changed or the id removed in O(log n). Used by the policies that evict by a score
// (Belady's next use, the priority policy's score).
#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

namespace sim {

template <class Key>
class IndexedHeap {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  void resize(uint32_t ids) {
    position_.resize(ids, kAbsent);
    key_.resize(ids);
  }
  bool empty() const { return heap_.empty(); }
  uint32_t size() const { return static_cast<uint32_t>(heap_.size()); }
  bool contains(uint32_t id) const { return position_[id] != kAbsent; }
  const Key& key(uint32_t id) const { return key_[id]; }
  uint32_t top() const { return heap_.front(); }

  void push(uint32_t id, const Key& key) {
    key_[id] = key;
    position_[id] = static_cast<uint32_t>(heap_.size());
    heap_.push_back(id);
    sift_up(position_[id]);
  }
  void update(uint32_t id, const Key& key) {
    const bool smaller = key < key_[id];
    key_[id] = key;
    if (smaller) sift_up(position_[id]); else sift_down(position_[id]);
  }
  void erase(uint32_t id) {
    const uint32_t at = position_[id];
    const uint32_t last = heap_.back();
    heap_.pop_back();
    position_[id] = kAbsent;
    if (last == id) return;
    heap_[at] = last;
    position_[last] = at;
    sift_up(at);
    sift_down(position_[last]);
  }

  // The id with the smallest key among those `allowed(id)` accepts, or kAbsent. Visits
  // the heap in key order, so it costs O(k log k) for k rejected ids.
  template <class Allowed>
  uint32_t smallest_allowed(Allowed&& allowed) const {
    if (heap_.empty()) return kAbsent;
    if (allowed(heap_.front())) return heap_.front();
    auto later = [this](uint32_t a, uint32_t b) { return key_[heap_[b]] < key_[heap_[a]]; };
    std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later)> frontier(later);
    frontier.push(0);
    while (!frontier.empty()) {
      const uint32_t at = frontier.top();
      frontier.pop();
      if (allowed(heap_[at])) return heap_[at];
      for (uint32_t child = 2 * at + 1; child <= 2 * at + 2 && child < heap_.size(); ++child) frontier.push(child);
    }
    return kAbsent;
  }

 private:
  void place(uint32_t at, uint32_t id) {
    heap_[at] = id;
    position_[id] = at;
  }
  void sift_up(uint32_t at) {
    const uint32_t id = heap_[at];
    while (at > 0) {
      const uint32_t parent = (at - 1) / 2;
      if (!(key_[id] < key_[heap_[parent]])) break;
      place(at, heap_[parent]);
      at = parent;
    }
    place(at, id);
  }
  void sift_down(uint32_t at) {
    const uint32_t id = heap_[at];
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    for (;;) {
      uint32_t child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && key_[heap_[child + 1]] < key_[heap_[child]]) ++child;
      if (!(key_[heap_[child]] < key_[id])) break;
      place(at, heap_[child]);
      at = child;
    }
    place(at, id);
  }

  std::vector<uint32_t> heap_;
  std::vector<uint32_t> position_;
  std::vector<Key> key_;
};

}  // namespace sim
