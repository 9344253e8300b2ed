#pragma once
// Mooncake's public request traces (FAST'25): JSON lines
//   {"timestamp": ms, "input_length": tokens, "output_length": tokens, "hash_ids": [ids]}
// with one hash id per block of `block_tokens` tokens (512 in the published traces; the
// last block may be partial). zstd-compressed files are read as they are.
#include <cstdint>
#include <string>

#include "traces/kv/kv_trace.h"

namespace tiersim::traces {

// Reads the whole trace. Errors name file:line and what was expected: a line that is not
// a JSON object, a missing or negative field, hash_ids that do not cover input_length in
// blocks of `block_tokens` (more or fewer ids than ceil(input_length / block_tokens)), a
// timestamp earlier than the line before.
KvTrace read_mooncake_trace(const std::string& path, uint32_t block_tokens);

// The "no requests" error of an empty Mooncake trace.
void require_requests(const KvTrace& trace);

// True for names that say JSON lines: *.jsonl, *.jsonl.zst.
bool looks_like_kv_trace(const std::string& path);

}  // namespace tiersim::traces
