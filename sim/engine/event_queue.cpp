#include "sim/engine/event_queue.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace sim {

EventQueue::~EventQueue() { std::free(data_); }

void EventQueue::grow() {
  const size_t capacity = std::max<size_t>(64, capacity_ * 2);
  const size_t bytes = (capacity + kOffset) * sizeof(Key);
  auto* data = static_cast<Key*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  if (!data) throw std::bad_alloc();
  if (data_) std::memcpy(data, data_, (size_ + kOffset) * sizeof(Key));
  std::free(data_);
  data_ = data;
  capacity_ = capacity;
}

EventId EventQueue::push(Time at, EventFn fn, void* context, uint64_t argument) {
  if (next_sequence_ == max_sequence_) renumber();
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() == (size_t{1} << kSlotBits)) throw std::length_error("more than 67 million events pending");
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(Slot{});
  }
  Slot& s = slots_[slot];
  s.fn = fn;
  s.context = context;
  s.argument = argument;
  s.live = true;
  const Key key = (static_cast<Key>(static_cast<uint64_t>(at)) << 64) | (next_sequence_++ << kSlotBits) | slot;
  if (size_ == capacity_) grow();
  sift_up(size_++, key);
  return (uint64_t{s.reuse} << 32) | slot;
}

bool EventQueue::cancel(EventId id) {
  const uint32_t slot = static_cast<uint32_t>(id);
  if (slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  if (!s.live || s.reuse != static_cast<uint32_t>(id >> 32)) return false;
  s.live = false;
  ++cancelled_;
  return true;
}

bool EventQueue::pop(Time limit, Due& out) {
  while (size_ > 0) {
    const Key top = at(0);
    if (time_of(top) > limit) return false;
    const uint32_t slot = slot_of(top);
    Slot& s = slots_[slot];
    drop_top();
    const bool live = s.live;
    ++s.reuse;
    s.live = false;
    free_.push_back(slot);
    if (live) {
      out = Due{time_of(top), s.fn, s.context, s.argument};
      return true;
    }
    --cancelled_;
  }
  return false;
}

Time EventQueue::next_time() {
  drop_cancelled_tops();
  return size_ == 0 ? kEndOfTime : time_of(at(0));
}

void EventQueue::drop_cancelled_tops() {
  while (size_ > 0 && !slots_[slot_of(at(0))].live) {
    const uint32_t slot = slot_of(at(0));
    drop_top();
    ++slots_[slot].reuse;
    free_.push_back(slot);
    --cancelled_;
  }
}

// Floyd: the hole at the root sinks to a leaf along the smaller child, then the last key
// rises from there to its place.
void EventQueue::drop_top() {
  const Key last = at(--size_);
  if (size_ == 0) return;
  size_t hole = 0;
  for (;;) {
    const size_t first = 4 * hole + 1;
    if (first >= size_) break;
    size_t best = first;
    const size_t end = std::min(first + 4, size_);
    for (size_t c = first + 1; c < end; ++c)
      if (at(c) < at(best)) best = c;
    at(hole) = at(best);
    hole = best;
  }
  sift_up(hole, last);
}

void EventQueue::sift_up(size_t i, Key key) {
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (at(parent) <= key) break;
    at(i) = at(parent);
    i = parent;
  }
  at(i) = key;
}

// The pending events' order is their keys' order: give them sequences 0, 1, ... in it.
void EventQueue::renumber() {
  Key* begin = data_ + kOffset;
  std::sort(begin, begin + size_);  // a sorted array is a heap
  const Key low = (static_cast<Key>(1) << 64) - 1;
  for (size_t i = 0; i < size_; ++i) begin[i] = (begin[i] & ~low) | (static_cast<Key>(i) << kSlotBits) | slot_of(begin[i]);
  next_sequence_ = size_;
}

}  // namespace sim
