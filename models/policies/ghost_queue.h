#pragma once
// A bounded queue of keys of objects no longer cached ("ghosts"), as ARC, 2Q and S3-FIFO
// keep to recognise an object that comes back soon after its eviction. Each key has a
// weight (1, or its size in bytes for byte-capacity caches); the capacity bounds the total
// weight: pushing onto a full queue drops its oldest keys. Any key can be taken out.
#include <cstdint>
#include <vector>

#include "sim/containers/flat_map.h"

namespace tiersim::models {

class GhostQueue {
 public:
  explicit GhostQueue(uint64_t capacity = UINT64_MAX) : capacity_(capacity) {}

  void set_capacity(uint64_t capacity) {
    capacity_ = capacity;
    while (weight_ > capacity_) pop_oldest();
  }
  uint64_t size() const { return size_; }
  uint64_t weight() const { return weight_; }
  bool contains(uint64_t key) const { return index_.find(key) != nullptr; }

  // Adds `key` as the newest ghost (it must not be present).
  void push(uint64_t key, uint64_t weight = 1) {
    if (weight > capacity_) return;
    while (weight_ + weight > capacity_) pop_oldest();
    uint32_t node;
    if (!free_.empty()) {
      node = free_.back();
      free_.pop_back();
    } else {
      node = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back({});
    }
    nodes_[node] = Node{key, weight, kNone, newest_};
    if (newest_ != kNone) nodes_[newest_].newer = node; else oldest_ = node;
    newest_ = node;
    index_.insert(key, node);
    ++size_;
    weight_ += weight;
  }
  // Removes `key` if present; returns its weight, or 0 if it was not there.
  uint64_t erase(uint64_t key) {
    const uint32_t* node = index_.find(key);
    if (!node) return 0;
    const uint64_t weight = nodes_[*node].weight;
    unlink(*node);
    return weight;
  }
  void pop_oldest() {
    if (oldest_ != kNone) unlink(oldest_);
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Node {
    uint64_t key;
    uint64_t weight;
    uint32_t newer, older;
  };

  void unlink(uint32_t node) {
    const Node n = nodes_[node];
    if (n.newer != kNone) nodes_[n.newer].older = n.older; else newest_ = n.older;
    if (n.older != kNone) nodes_[n.older].newer = n.newer; else oldest_ = n.newer;
    index_.erase(n.key);
    free_.push_back(node);
    --size_;
    weight_ -= n.weight;
  }

  uint64_t capacity_;
  uint64_t size_ = 0;
  uint64_t weight_ = 0;
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
  uint32_t newest_ = kNone, oldest_ = kNone;
  sim::FlatMap<uint32_t> index_;
};

}  // namespace tiersim::models
