#include "models/workloads/kv_cache/load_plan.h"

#include <algorithm>
#include <cmath>

namespace tiersim::models {

sim::Time first_token_after(sim::Time load, sim::Time first_byte, sim::Time compute, bool layerwise, double layers) {
  if (!layerwise) return sim::saturating_add(load, compute);
  const double d = static_cast<double>(std::min(first_byte, load));
  const double streamed = static_cast<double>(load) - d;
  const double load_bound = static_cast<double>(load) + static_cast<double>(compute) / layers;
  const double compute_bound = d + streamed / layers + static_cast<double>(compute);
  const double finish = std::max(load_bound, compute_bound);
  return finish >= static_cast<double>(sim::kEndOfTime) ? sim::kEndOfTime : static_cast<sim::Time>(std::llround(finish));
}

LoadChoice choose_load(const std::vector<PrefixChunk>& prefix, uint64_t input_tokens, const PrefillCost& prefill,
                       bool layerwise, double layers, bool always) {
  // One pass: the split after k chunks loads them all by max(arrival) and computes the rest.
  LoadChoice choice;
  sim::Time load = 0, first_byte = 0;
  uint64_t cached = 0;
  for (uint32_t k = 0;; ++k) {
    const uint64_t kept = input_tokens > 0 ? std::min<uint64_t>(cached, input_tokens - 1) : 0;  // one token is always computed
    const sim::Time t = first_token_after(load, first_byte, prefill.time(kept, input_tokens - kept), layerwise, layers);
    if (!always && (k == 0 || t <= choice.estimate)) {  // the longest prefix among equals
      choice.estimate = t;
      choice.chunks = k;
    }
    if (k == prefix.size()) {
      choice.always = t;
      break;
    }
    load = std::max(load, prefix[k].arrival);
    first_byte = std::max(first_byte, prefix[k].first_byte);
    cached += prefix[k].tokens;
  }
  if (always) {
    choice.chunks = static_cast<uint32_t>(prefix.size());
    choice.estimate = choice.always;
  }
  return choice;
}

}  // namespace tiersim::models
