// The tiersim binary expert-trace reader, given the input as a whole file. An odd first byte also asks for steps in
// order, as replays do.
#include "fuzz_target.h"

namespace tiersim::fuzz {
namespace {

void read_trace_bin(const uint8_t* data, size_t size) {
  read_whole_trace(write_input(data, size, "input.bin"), "bin", size > 0 && (data[0] & 1));
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(trace_bin, "trace_bin", "The tiersim binary expert-trace reader", read_trace_bin);

}  // namespace tiersim::fuzz
