#include "traces/next_access.h"

#include "sim/containers/flat_map.h"

namespace tiersim::traces {

std::vector<int64_t> next_access_indices(TraceReader& trace) {
  // Forward pass: each access points its object's previous access at itself.
  std::vector<int64_t> next;
  sim::FlatMap<int64_t> last_index(1 << 16);
  std::vector<Access> batch(1 << 14);
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) {
    for (size_t i = 0; i < n; ++i) {
      const int64_t index = static_cast<int64_t>(next.size());
      next.push_back(kNoNextAccess);
      int64_t& last = last_index.find_or_insert(batch[i].object, -1);
      if (last >= 0) next[static_cast<size_t>(last)] = index;
      last = index;
    }
  }
  return next;
}

size_t WithNextAccess::read(Access* out, size_t capacity) {
  const size_t n = inner_->read(out, capacity);
  for (size_t i = 0; i < n; ++i, ++position_) {
    // The trace should read the same twice; past the first pass's end, nothing is known.
    out[i].next_access = position_ < next_.size() ? next_[position_] : kNoNextAccess;
  }
  return n;
}

}  // namespace tiersim::traces
