#pragma once
// KV-cache requests one at a time (a Mooncake file read line by line, or the generator), so
// that a replay holds only what is live rather than the whole trace. Reading a trace whole is
// draining its source.
#include <cstdint>
#include <memory>
#include <string>

#include "traces/kv/kv_trace.h"

namespace tiersim::traces {

struct KvGeneratorSpec;

class KvRequestSource {
 public:
  virtual ~KvRequestSource() = default;
  // Appends the next request to `trace` (trace.requests and its block ids); false when
  // there are no more. Throws InputError (file:line) on a malformed request.
  virtual bool next(KvTrace& trace) = 0;
};

// A Mooncake JSON-lines trace (traces/kv/mooncake_trace.h), read as it is replayed.
std::unique_ptr<KvRequestSource> mooncake_source(const std::string& path);
// The generator's requests (traces/kv/kv_generator.h), made as they are asked for.
std::unique_ptr<KvRequestSource> generated_source(const KvGeneratorSpec& spec, uint32_t block_tokens);

// Every request of `source` into `trace`, at most `limit`.
void drain(KvRequestSource& source, KvTrace& trace, uint64_t limit = UINT64_MAX);

}  // namespace tiersim::traces
