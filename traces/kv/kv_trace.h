#pragma once
// A KV-cache request trace: each request brings a prompt whose tokens are cut into blocks
// of `block_tokens`, each block named by a hash id; requests that share leading ids share
// that prefix (and its KV cache). Ids are stored flat, one array for the whole trace, so
// that millions of lookups stay cache-friendly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/random.h"

namespace tiersim::traces {

struct KvRequest {
  uint64_t arrival_us = 0;
  uint32_t input_tokens = 0;
  uint32_t output_tokens = 0;
  uint64_t first_block = 0;  // index into KvTrace::block_ids
  uint32_t blocks = 0;
  // The optional "model", "instance" and "session" fields: indices into KvTrace's names
  // (0: not given), a session's hash (0: none).
  uint32_t model = 0, instance = 0;
  uint64_t session = 0;
  uint32_t ns = 0;     // the namespace its entries live in (set from the config's scope)
  uint32_t shape = 0;  // its model's shape: 0 the workload's "model", else namespaces.models[shape - 1]
};

// Names a trace's requests give, each with the line it first appeared on (for errors).
struct KvNames {
  std::vector<std::string> names{""};   // [0]: not given
  std::vector<uint64_t> first_line{0};
  uint32_t intern(const std::string& name, uint64_t line) {
    for (uint32_t i = 1; i < names.size(); ++i)
      if (names[i] == name) return i;
    names.push_back(name);
    first_line.push_back(line);
    return static_cast<uint32_t>(names.size() - 1);
  }
};

struct KvTrace {
  std::string source;  // the file, or the generator's description
  uint32_t block_tokens = 512;
  std::vector<KvRequest> requests;
  std::vector<uint64_t> block_ids;
  KvNames models, instances;

  // block_ids holds the ids from block_base on: a replay drops those it no longer needs.
  uint64_t block_base = 0;
  const uint64_t* blocks_of(const KvRequest& r) const { return block_ids.data() + (r.first_block - block_base); }
  uint64_t block_end() const { return block_base + block_ids.size(); }
  // Forgets the ids before `first` (a request's first_block); amortized: the vector is
  // compacted once the dead part is as large as the live one.
  void release_blocks_before(uint64_t first) {
    if (first <= block_base || first - block_base < block_ids.size() - (first - block_base)) return;
    block_ids.erase(block_ids.begin(), block_ids.begin() + static_cast<std::ptrdiff_t>(first - block_base));
    block_base = first;
  }
  // Tokens in block `i` of `r`: block_tokens, except a partial last block.
  uint32_t tokens_in_block(const KvRequest& r, uint32_t i) const {
    return i + 1 < r.blocks ? block_tokens : r.input_tokens - (r.blocks - 1) * block_tokens;
  }
};

// The blocks a prompt of `tokens` tokens is cut into.
inline uint64_t blocks_for_tokens(uint64_t tokens, uint32_t block_tokens) { return (tokens + block_tokens - 1) / block_tokens; }

// A chunk's key: its last block's id (which names the whole prefix) and how many blocks
// it holds, so a partial last chunk is not mistaken for the full one, in its namespace (0:
// the global one, whose keys are as they always were).
inline uint64_t chunk_key(uint64_t last_block_id, uint32_t blocks, uint32_t ns) {
  const uint64_t key = sim::mix64(last_block_id ^ (uint64_t{blocks} << 48) ^ 0x6368756e6bull);
  return ns == 0 ? key : sim::mix64(key ^ sim::mix64(0x6e616d65737061ull + ns));
}

}  // namespace tiersim::traces
