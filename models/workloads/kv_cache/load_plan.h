#pragma once
// Load or recompute: how long a request's prefill takes when it loads the first k chunks
// of its cached prefix and computes the rest, and the k a request takes. Deployed systems
// decide this per request (Mooncake's scheduler weighs fetching a prefix against
// recomputing it); loading whatever any tier holds can be slower than the prefill it saves.
#include <cstdint>
#include <vector>

#include "models/workloads/kv_cache/kv_serving_spec.h"
#include "sim/engine/time.h"

namespace tiersim::models {

// From the start of a request's prefill to its first token, given its loads (all landed
// after `load`, the first byte of the slowest path after `first_byte`) and `compute` of
// prefill over `layers` layers. With layerwise loading, layer l's KV streams while layer
// l-1 computes: max(T + P/L, D + (T-D)/L + P); otherwise T + P.
sim::Time first_token_after(sim::Time load, sim::Time first_byte, sim::Time compute, bool layerwise, double layers);

// One chunk of the cached prefix: its tokens, and when (from the request's start) it
// would have arrived in the first tier if loaded (0 when the first tier holds it), with
// its path's first-byte latency.
struct PrefixChunk {
  uint64_t tokens = 0;
  sim::Time arrival = 0;
  sim::Time first_byte = 0;
};

struct LoadChoice {
  uint32_t chunks = 0;       // load the first `chunks`, recompute the rest
  sim::Time estimate = 0;    // the estimated time to the first token with that choice
  sim::Time always = 0;      // ... and when loading the whole cached prefix
};

// The split with the earliest estimated first token (the longest prefix among equals);
// `always` loads the whole cached prefix, as systems without the choice do.
LoadChoice choose_load(const std::vector<PrefixChunk>& prefix, uint64_t input_tokens, const PrefillCost& prefill,
                       bool layerwise, double layers, bool always);

}  // namespace tiersim::models
