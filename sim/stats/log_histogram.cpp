#include "sim/stats/log_histogram.h"

#include <algorithm>
#include <cmath>

namespace sim {

namespace {
constexpr int kBucketCount = (64 - LogHistogram::kSubBucketBits + 1) << LogHistogram::kSubBucketBits;
}

LogHistogram::LogHistogram() = default;

void LogHistogram::allocate() { counts_.assign(kBucketCount, 0); }

void LogHistogram::merge(const LogHistogram& other) {
  if (other.count_ == 0) return;
  if (counts_.empty()) allocate();
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LogHistogram::bucket_lower_bound(int bucket) {
  constexpr int kLinear = 2 << kSubBucketBits;
  if (bucket < kLinear) return static_cast<uint64_t>(bucket);
  const int shift = (bucket >> kSubBucketBits) - 1;
  const uint64_t mantissa = (uint64_t{1} << kSubBucketBits) + (bucket & ((1 << kSubBucketBits) - 1));
  return mantissa << shift;
}

uint64_t LogHistogram::bucket_upper_bound(int bucket) {
  constexpr int kLinear = 2 << kSubBucketBits;
  if (bucket < kLinear) return static_cast<uint64_t>(bucket);
  const int shift = (bucket >> kSubBucketBits) - 1;
  return bucket_lower_bound(bucket) + ((uint64_t{1} << shift) - 1);
}

uint64_t LogHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t low = bucket_lower_bound(i);
      const uint64_t high = bucket_upper_bound(i);
      const uint64_t mid = low + (high - low) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace sim
