// The KV store's API traces (JSON lines of calls), read whole and summed up by trace stats.
#include "fuzz_target.h"
#include "traces/kv/api_trace.h"
#include "traces/kv/api_trace_stats.h"

namespace tiersim::fuzz {
namespace {

void read_api(const uint8_t* data, size_t size) {
  const traces::ApiTrace trace = traces::read_api_trace(write_input(data, size, "input.jsonl"), 512);
  (void)traces::compute_api_trace_stats(trace);
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(trace_api, "trace_api", "the KV store's API call traces", read_api);

}  // namespace tiersim::fuzz
