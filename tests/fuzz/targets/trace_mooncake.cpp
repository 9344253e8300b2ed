// Mooncake JSON-lines KV traces, read whole (plain or zstd-compressed: the reader decides).
#include "fuzz_target.h"
#include "traces/kv/mooncake_trace.h"

namespace tiersim::fuzz {
namespace {

void read_mooncake(const uint8_t* data, size_t size) {
  (void)traces::read_mooncake_trace(write_input(data, size, "input.jsonl"), 512);
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(trace_mooncake, "trace_mooncake", "Mooncake JSON-lines request traces", read_mooncake);

}  // namespace tiersim::fuzz
