// zstd-compressed traces, the format detected from the content, given the input as a whole file. An odd first byte also asks for steps in
// order, as replays do.
#include "fuzz_target.h"

namespace tiersim::fuzz {
namespace {

void read_trace_zstd(const uint8_t* data, size_t size) {
  read_whole_trace(write_input(data, size, "input.zst"), "auto", size > 0 && (data[0] & 1));
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(trace_zstd, "trace_zstd", "zstd-compressed traces, the format detected from the content", read_trace_zstd);

}  // namespace tiersim::fuzz
