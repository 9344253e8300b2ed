// The csv expert-trace reader, given the input as a whole file. An odd first byte also asks for steps in
// order, as replays do.
#include "fuzz_target.h"

namespace tiersim::fuzz {
namespace {

void read_trace_csv(const uint8_t* data, size_t size) {
  read_whole_trace(write_input(data, size, "input.csv"), "csv", size > 0 && (data[0] & 1));
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(trace_csv, "trace_csv", "The csv expert-trace reader", read_trace_csv);

}  // namespace tiersim::fuzz
