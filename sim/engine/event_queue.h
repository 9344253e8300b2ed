#pragma once
// The simulator's pending events, ordered by (time, insertion sequence). A 4-ary min-heap
// of 16-byte keys, (time << 64) | (sequence << kSlotBits) | slot, compared as one 128-bit
// integer: a sift moves 16 bytes, and the heap is laid out so that a node's four children
// fill one 64-byte cache line (where a heap of whole events moved 40 bytes and straddled
// lines). Removing the top sinks the hole to a leaf along the smaller children, then
// lifts the last key into it (Floyd's trick: the last key is usually due late). The handler of each pending event sits in a slot table
// the key points into; a cancelled event keeps its key and is skipped when it comes up.
// Sequences run out after 2^38 events; the pending ones are then renumbered in order.
#include <cstdint>
#include <vector>

#include "sim/engine/time.h"

namespace sim {

using EventFn = void (*)(void* context, uint64_t argument);

// Names a scheduled event for cancel(): its slot and that slot's reuse count.
using EventId = uint64_t;

class EventQueue {
 public:
  static constexpr uint32_t kSlotBits = 26;  // up to 67 million events pending
  static constexpr uint64_t kMaxSequence = uint64_t{1} << (64 - kSlotBits);

  // `sequences`: how many pushes before the pending events are renumbered (tests make it small).
  explicit EventQueue(uint64_t sequences = kMaxSequence) : max_sequence_(sequences) {}
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  struct Due {
    Time time;
    EventFn fn;
    void* context;
    uint64_t argument;
  };

  EventId push(Time at, EventFn fn, void* context, uint64_t argument);
  // Cancels a pending event; false if it already ran or was cancelled.
  bool cancel(EventId id);
  // Removes the earliest live event due at or before `limit` into `out`; false when there
  // is none. Cancelled events met on the way are dropped.
  bool pop(Time limit, Due& out);
  // The earliest live event's time (kEndOfTime if none).
  Time next_time();
  uint64_t size() const { return size_ - cancelled_; }
  bool empty() const { return size() == 0; }

 private:
  using Key = unsigned __int128;

  struct Slot {
    EventFn fn;
    void* context;
    uint64_t argument;
    uint32_t reuse;
    bool live;
  };

  // The heap's node i lives at data_[i + kOffset]: children 4i+1..4i+4 then sit at
  // 4i+4..4i+7, one aligned cache line.
  static constexpr size_t kOffset = 3;
  Key& at(size_t i) { return data_[i + kOffset]; }
  void grow();

  static Time time_of(Key k) { return static_cast<Time>(k >> 64); }
  static uint32_t slot_of(Key k) { return static_cast<uint32_t>(k) & ((1u << kSlotBits) - 1); }
  void sift_up(size_t i, Key key);
  void drop_top();
  void drop_cancelled_tops();
  void renumber();

  Key* data_ = nullptr;  // 64-byte aligned, kOffset unused keys first
  size_t size_ = 0, capacity_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  uint64_t max_sequence_;
  uint64_t next_sequence_ = 0;
  uint64_t cancelled_ = 0;
};

}  // namespace sim
