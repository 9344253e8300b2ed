#pragma once
// An open-addressing hash map from 64-bit keys to small values: linear probing over one
// array, Fibonacci hashing, backward-shift deletion (no tombstones). It is the per-access
// lookup of every cache, so it stays small and branch-light. Iteration order depends
// only on the sequence of operations, never on addresses.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sim {

template <class Value>
class FlatMap {
 public:
  explicit FlatMap(size_t expected = 16) { rehash(capacity_for(expected)); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Value* find(uint64_t key) {
    if (key == kEmptyKey) return has_empty_key_ ? &empty_key_value_ : nullptr;
    size_t i = home(key);
    for (;;) {
      Entry& e = entries_[i];
      if (e.key == key) return &e.value;
      if (e.key == kEmptyKey) return nullptr;
      i = (i + 1) & mask_;
    }
  }
  const Value* find(uint64_t key) const { return const_cast<FlatMap*>(this)->find(key); }

  // Inserts a key that is not present.
  void insert(uint64_t key, Value value) {
    if (key == kEmptyKey) {
      has_empty_key_ = true;
      empty_key_value_ = value;
      ++size_;
      return;
    }
    if ((size_ + 1) * 2 > entries_.size()) rehash(entries_.size() * 2);
    size_t i = home(key);
    while (entries_[i].key != kEmptyKey) i = (i + 1) & mask_;
    entries_[i] = Entry{key, value};
    ++size_;
  }

  // Returns the value for `key`, inserting `fallback` first if absent (one probe).
  Value& find_or_insert(uint64_t key, Value fallback) {
    if (key == kEmptyKey) {
      if (!has_empty_key_) insert(key, fallback);
      return empty_key_value_;
    }
    if ((size_ + 1) * 2 > entries_.size()) rehash(entries_.size() * 2);
    size_t i = home(key);
    for (;;) {
      Entry& e = entries_[i];
      if (e.key == key) return e.value;
      if (e.key == kEmptyKey) {
        e = Entry{key, fallback};
        ++size_;
        return e.value;
      }
      i = (i + 1) & mask_;
    }
  }

  bool erase(uint64_t key) {
    if (key == kEmptyKey) {
      if (!has_empty_key_) return false;
      has_empty_key_ = false;
      --size_;
      return true;
    }
    size_t i = home(key);
    for (;;) {
      if (entries_[i].key == key) break;
      if (entries_[i].key == kEmptyKey) return false;
      i = (i + 1) & mask_;
    }
    // Shift later members of the probe run back into the hole.
    size_t hole = i;
    size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (entries_[j].key == kEmptyKey) break;
      const size_t h = home(entries_[j].key);
      const bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
      if (movable) {
        entries_[hole] = entries_[j];
        hole = j;
      }
    }
    entries_[hole].key = kEmptyKey;
    --size_;
    return true;
  }

  void clear() {
    for (Entry& e : entries_) e.key = kEmptyKey;
    has_empty_key_ = false;
    size_ = 0;
  }

  template <class Fn>
  void for_each(Fn&& fn) const {
    if (has_empty_key_) fn(kEmptyKey, empty_key_value_);
    for (const Entry& e : entries_)
      if (e.key != kEmptyKey) fn(e.key, e.value);
  }

 private:
  static constexpr uint64_t kEmptyKey = ~uint64_t{0};
  struct Entry {
    uint64_t key;
    Value value;
  };

  static size_t capacity_for(size_t expected) {
    size_t c = 16;
    while (c < expected * 2) c *= 2;
    return c;
  }
  size_t home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }

  void rehash(size_t capacity) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(capacity, Entry{kEmptyKey, Value{}});
    mask_ = capacity - 1;
    shift_ = 64 - __builtin_ctzll(capacity);
    for (const Entry& e : old) {
      if (e.key == kEmptyKey) continue;
      size_t i = home(e.key);
      while (entries_[i].key != kEmptyKey) i = (i + 1) & mask_;
      entries_[i] = e;
    }
  }

  std::vector<Entry> entries_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
  bool has_empty_key_ = false;
  Value empty_key_value_{};
};

}  // namespace sim
