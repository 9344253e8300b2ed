// libCacheSim's oracleGeneral reader, given the input as a whole file. An odd first byte also asks for steps in
// order, as replays do.
#include "fuzz_target.h"

namespace tiersim::fuzz {
namespace {

void read_trace_oracle_general(const uint8_t* data, size_t size) {
  read_whole_trace(write_input(data, size, "input.oracleGeneral"), "oracleGeneral", size > 0 && (data[0] & 1));
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(trace_oracle_general, "trace_oracle_general", "libCacheSim's oracleGeneral reader", read_trace_oracle_general);

}  // namespace tiersim::fuzz
