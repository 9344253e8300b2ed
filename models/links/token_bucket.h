#pragma once
// A request rate limit as object stores enforce it (S3: about 5,500 GET/s and 3,500 PUT/s
// per prefix): a bucket refilled at `rate` tokens per second that holds at most
// rate * burst_s; a request takes a token or is throttled (503 SlowDown).
#include <algorithm>

#include "sim/engine/time.h"

namespace tiersim::models {

class TokenBucket {
 public:
  TokenBucket() = default;
  // rate 0: unlimited.
  TokenBucket(double rate, double burst_s) : rate_(rate), capacity_(std::max(1.0, rate * burst_s)), tokens_(capacity_) {}

  bool take(sim::Time now) {
    if (rate_ <= 0) return true;
    tokens_ = std::min(capacity_, tokens_ + rate_ * sim::to_seconds(now - updated_));
    updated_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_ = 0, capacity_ = 1, tokens_ = 1;
  sim::Time updated_ = 0;
};

}  // namespace tiersim::models
