#pragma once
// Synthetic KV-cache request traces, in the shape of Mooncake's (so everything that reads
// one reads the other). Config key "workload.generator" of a kv_cache workload:
//   requests        how many (required)
//   arrival         {"process": "poisson", "rate": requests per second}
//                   {"process": "bursty", "rate": ..., "cv": inter-arrival coefficient of
//                    variation > 1: gamma-distributed gaps, clustered arrivals}
//   input_tokens    the new user text of each turn: a length distribution (below)
//   output_tokens   each answer's length: a length distribution
//   system_prompts  {"count": distinct prompts, "tokens": their length, "share": fraction
//                    of sessions that start with one, "zipf": popularity skew}
//   sessions        {"turns_mean": mean turns per conversation (geometric), "max_open":
//                    conversations open at once}: a follow-up turn's prompt is the
//                    previous prompt + its answer + new input, so it extends its own prefix
//   max_prompt_tokens  a conversation that would exceed it ends (the context window)
// Length distributions: {"dist": "constant", "value": n} | {"dist": "uniform", "min",
// "max"} | {"dist": "exponential", "mean"} | {"dist": "lognormal", "mean", "cv"}, each
// with optional "min"/"max" clamps. Block ids are dense integers in first-use order; a
// block's id names its whole prefix (like Mooncake's hash ids), so two prompts share an id
// exactly when they share every token up to the end of that block.
#include <cstdint>
#include <string>

#include "traces/kv/kv_trace.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::traces {

struct LengthDistribution {
  enum class Kind { kConstant, kUniform, kExponential, kLognormal };
  Kind kind = Kind::kConstant;
  double mean = 0, cv = 1;      // exponential, lognormal
  uint64_t min = 1, max = 1u << 20;  // uniform range, and the clamp of every kind
};

struct KvGeneratorSpec {
  uint64_t requests = 0;
  bool bursty = false;
  double rate_per_s = 1;
  double arrival_cv = 1;
  LengthDistribution input_tokens, output_tokens;
  uint32_t system_prompts = 0;
  uint32_t system_prompt_tokens = 0;
  double system_prompt_share = 0;
  double system_prompt_zipf = 1;
  double turns_mean = 1;
  uint32_t max_open_sessions = 1000;
  uint64_t max_prompt_tokens = 131072;
  uint64_t seed = 0;
};

KvGeneratorSpec parse_kv_generator(const ConfigNode& node, uint64_t run_seed);
KvTrace generate_kv_trace(const KvGeneratorSpec& spec, uint32_t block_tokens);

// Writes the trace as Mooncake JSON lines (timestamp in ms).
std::string kv_trace_to_jsonl(const KvTrace& trace);

}  // namespace tiersim::traces
