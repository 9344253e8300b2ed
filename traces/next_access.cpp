#include "traces/next_access.h"

#include <algorithm>

#include "sim/config/units.h"
#include "sim/containers/flat_map.h"
#include "sim/engine/memory.h"
#include "sim/engine/progress.h"
#include "sim/errors.h"

namespace tiersim::traces {

namespace {

// Grows `next` to hold `more` accesses, refusing a growth the machine cannot give: while the
// array doubles, the old and the new copy are both alive, beside the map of objects.
void grow_future(std::vector<int64_t>& next, size_t more, const TraceReader& trace, uint64_t objects, uint64_t available) {
  if (next.size() + more <= next.capacity()) return;
  const uint64_t capacity = std::max<uint64_t>(next.capacity() * 2, next.size() + more);
  const uint64_t needed = (next.capacity() + capacity) * sizeof(int64_t) + objects * 64;
  if (available != UINT64_MAX && needed > available / 10 * 8) {  // a fifth left for the rest of the run
    throw IoError(trace.source() + ": out of memory: an offline policy (Belady) keeps every access's next use, 8 bytes an "
                  "access; after " + std::to_string(next.size()) + " accesses growing it needs " +
                  sim::units::format_bytes(needed) + ", more than 80 % of the " + sim::units::format_bytes(available) +
                  " of memory left; replay a shorter trace (or fewer steps), or use an online policy");
  }
  next.reserve(capacity);
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
    sim::progress::check_stop();  // a generated trace is not read through open_trace's checks
    sim::progress::report("accesses read ahead", next.size(), 0);
    grow_future(next, n, trace, last_index.size(), available);
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
