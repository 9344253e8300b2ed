#pragma once
// A log-bucketed histogram of non-negative integers (latencies in picoseconds, sizes).
// Each power of two is split into 128 sub-buckets, so a reported percentile is within
// 0.8 % of the true value; count, sum, min and max are exact. Memory is fixed (~58 KiB).
#include <cstdint>
#include <vector>

namespace sim {

class LogHistogram {
 public:
  static constexpr int kSubBucketBits = 7;

  LogHistogram();

  void record(uint64_t value) {
    if (counts_.empty()) allocate();  // buckets only for histograms that get values
    ++counts_[bucket_of(value)];
    ++count_;
    sum_ += value;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }

  // `times` occurrences of one value (an inter-token gap shared by a whole decode batch).
  void record(uint64_t value, uint64_t times) {
    if (times == 0) return;
    if (counts_.empty()) allocate();
    counts_[bucket_of(value)] += times;
    count_ += times;
    sum_ += static_cast<unsigned __int128>(value) * times;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  // Adds every value `other` holds.
  void merge(const LogHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  unsigned __int128 sum() const { return sum_; }

  // The value at quantile q in [0, 1] (nearest rank), as its bucket's midpoint clamped to
  // [min, max]; 0 when empty.
  uint64_t quantile(double q) const;

  static int bucket_of(uint64_t value) {
    constexpr uint64_t kLinearLimit = uint64_t{1} << (kSubBucketBits + 1);
    if (value < kLinearLimit) return static_cast<int>(value);
    const int top_bit = 63 - __builtin_clzll(value);
    const int shift = top_bit - kSubBucketBits;
    const uint64_t mantissa = value >> shift;  // in [2^P, 2^(P+1))
    return ((shift + 1) << kSubBucketBits) + static_cast<int>(mantissa - (uint64_t{1} << kSubBucketBits));
  }
  // Calls visit(lower, upper, count) for every bucket that holds values, lowest first
  // (bounds inclusive, clamped to the exact min and max).
  template <class Visit>
  void for_each_bucket(Visit visit) const {
    for (int i = 0; i < static_cast<int>(counts_.size()); ++i) {
      if (counts_[i] == 0) continue;
      const uint64_t low = bucket_lower_bound(i), high = bucket_upper_bound(i);
      visit(low < min_ ? min_ : low, high > max_ ? max_ : high, counts_[i]);
    }
  }

  static uint64_t bucket_lower_bound(int bucket);
  static uint64_t bucket_upper_bound(int bucket);  // inclusive

 private:
  void allocate();
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  unsigned __int128 sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace sim
