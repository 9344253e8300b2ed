#pragma once
// A 4-ary min-heap of dense ids (cache slots) with a position index, so an id's key can
// be changed or the id removed in O(log n). Keys live in the heap array beside their ids,
// and a node's four children are adjacent, so sifting touches few cache lines. Used by the policies that evict by a score
// (Belady's next use, the priority policy's score).
#include <cstdint>
#include <queue>
#include <vector>

namespace sim {

template <class Key>
class IndexedHeap {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  void resize(uint32_t ids) { position_.resize(ids, kAbsent); }
  bool empty() const { return heap_.empty(); }
  uint32_t size() const { return static_cast<uint32_t>(heap_.size()); }
  bool contains(uint32_t id) const { return position_[id] != kAbsent; }
  const Key& key(uint32_t id) const { return heap_[position_[id]].key; }
  uint32_t top() const { return heap_.front().id; }

  void push(uint32_t id, const Key& key) {
    heap_.push_back(Entry{key, id});
    sift_up(static_cast<uint32_t>(heap_.size() - 1), Entry{key, id});
  }
  void update(uint32_t id, const Key& key) {
    const uint32_t at = position_[id];
    const bool smaller = key < heap_[at].key;
    if (smaller) sift_up(at, Entry{key, id}); else sift_down(at, Entry{key, id});
  }
  void erase(uint32_t id) {
    const uint32_t at = position_[id];
    const Entry last = heap_.back();
    heap_.pop_back();
    position_[id] = kAbsent;
    if (last.id == id) return;
    if (last.key < heap_[at].key) {
      sift_up(at, last);
    } else {
      sift_down(at, last);
    }
  }

  // The id with the smallest key among those `allowed(id)` accepts, or kAbsent. Visits
  // the heap in key order, so it costs O(k log k) for k rejected ids.
  template <class Allowed>
  uint32_t smallest_allowed(Allowed&& allowed) const {
    if (heap_.empty()) return kAbsent;
    if (allowed(heap_.front().id)) return heap_.front().id;
    auto later = [this](uint32_t a, uint32_t b) { return heap_[b].key < heap_[a].key; };
    std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later)> frontier(later);
    frontier.push(0);
    while (!frontier.empty()) {
      const uint32_t at = frontier.top();
      frontier.pop();
      if (allowed(heap_[at].id)) return heap_[at].id;
      for (uint32_t child = kArity * at + 1; child <= kArity * at + kArity && child < heap_.size(); ++child) {
        frontier.push(child);
      }
    }
    return kAbsent;
  }

 private:
  static constexpr uint32_t kArity = 4;
  struct Entry {
    Key key;
    uint32_t id;
  };

  void place(uint32_t at, const Entry& e) {
    heap_[at] = e;
    position_[e.id] = at;
  }
  // Moves `e` (destined for `at`) up past larger parents.
  void sift_up(uint32_t at, const Entry& e) {
    while (at > 0) {
      const uint32_t parent = (at - 1) / kArity;
      if (!(e.key < heap_[parent].key)) break;
      place(at, heap_[parent]);
      at = parent;
    }
    place(at, e);
  }
  // Moves `e` (destined for `at`) down past smaller children. Bottom-up: the hole goes
  // down to a leaf along the smallest children, then `e` climbs back from there. That is
  // one comparison per level fewer, and no hard-to-predict early exit; `e` is usually a
  // large key (an evicted root's replacement, a raised score), so it climbs little.
  void sift_down(uint32_t at, const Entry& e) {
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    for (;;) {
      const uint32_t first = kArity * at + 1;
      if (first >= n) break;
      const uint32_t end = first + kArity < n ? first + kArity : n;
      // The smallest child, written so that the compiler can select without branching.
      uint32_t child = first;
      Key best = heap_[first].key;
      for (uint32_t c = first + 1; c < end; ++c) {
        const bool smaller = heap_[c].key < best;
        child = smaller ? c : child;
        best = smaller ? heap_[c].key : best;
      }
      place(at, heap_[child]);
      at = child;
    }
    sift_up(at, e);
  }

  std::vector<Entry> heap_;
  std::vector<uint32_t> position_;
};

}  // namespace sim
