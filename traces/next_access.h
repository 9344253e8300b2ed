#pragma once
// The future of a trace, for offline policies (Belady): for every access, the index of the
// next access to the same object. Computed in one forward pass (8 bytes per access), then
// attached to a second reading of the trace.
#include <cstdint>
#include <memory>
#include <vector>

#include "traces/trace_reader.h"

namespace tiersim::traces {

inline constexpr int64_t kNoNextAccess = INT64_MAX;

// For every access of `trace` (read to its end), the index of the next access to the same
// object, kNoNextAccess if none.
std::vector<int64_t> next_access_indices(TraceReader& trace);

// Reads `inner`, setting each access's next_access from `next` (indexed by position).
class WithNextAccess final : public TraceWrapper {
 public:
  WithNextAccess(std::unique_ptr<TraceReader> inner, std::vector<int64_t> next)
      : TraceWrapper(std::move(inner)), next_(std::move(next)) {}

  size_t read(Access* out, size_t capacity) override;

 private:
  std::vector<int64_t> next_;
  size_t position_ = 0;
};

}  // namespace tiersim::traces
