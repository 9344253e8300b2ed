#pragma once
// What the counting path (models/cache/counting_replay.h) reports for one cache, and how it
// opens the trace it replays.
#include <cstdint>
#include <functional>
#include <memory>

namespace tiersim::traces {
class TraceReader;
}

namespace tiersim::models {

struct CountingResult {
  uint64_t requests = 0;
  uint64_t misses = 0;
  uint64_t bytes_requested = 0;
  uint64_t bytes_missed = 0;
  uint64_t expirations = 0;  // hits turned into misses because the object had expired
};

// Opens the trace from its start (offline policies read it twice).
using TraceOpener = std::function<std::unique_ptr<traces::TraceReader>()>;

}  // namespace tiersim::models
