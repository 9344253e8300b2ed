#include "traces/kv/kv_request_source.h"

namespace tiersim::traces {

void drain(KvRequestSource& source, KvTrace& trace, uint64_t limit) {
  for (uint64_t n = 0; n < limit && source.next(trace); ++n) {
  }
}

}  // namespace tiersim::traces
