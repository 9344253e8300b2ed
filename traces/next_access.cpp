#include "traces/next_access.h"

#include "sim/config/units.h"
#include "sim/containers/flat_map.h"
#include "sim/engine/memory.h"
#include "sim/errors.h"

namespace tiersim::traces {

namespace {

// Refuses a trace whose future would not fit: 8 bytes an access, twice over while the
// array grows, plus the map of objects, against the memory the machine has left.
void check_future_fits(const TraceReader& trace, uint64_t accesses, uint64_t objects, uint64_t available) {
  const uint64_t needed = accesses * 16 + objects * 64;
  if (available == UINT64_MAX || needed < available) return;
  throw IoError(trace.source() + ": out of memory: an offline policy (Belady) keeps every access's next use, 8 bytes an "
                "access; after " + std::to_string(accesses) + " accesses that needs " + sim::units::format_bytes(needed) +
                ", more than the " + sim::units::format_bytes(available) +
                " of memory left; replay a shorter trace (or fewer steps), or use an online policy");
}

}  // namespace

std::vector<int64_t> next_access_indices(TraceReader& trace) {
  // Forward pass: each access points its object's previous access at itself.
  std::vector<int64_t> next;
  sim::FlatMap<int64_t> last_index(1 << 16);
  std::vector<Access> batch(1 << 14);
  const uint64_t available = sim::available_memory();
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) {
    check_future_fits(trace, next.size() + n, last_index.size(), available);
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
