// The KV-cache building blocks worked out by hand: bytes per token from model shapes, the
// prefill cost, the object store's token bucket and the synthetic request generator.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "models/compute/model_shape.h"
#include "models/links/token_bucket.h"
#include "models/workloads/kv_cache/kv_cluster_spec.h"
#include "models/workloads/kv_cache/kv_serving_spec.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "traces/kv/kv_generator.h"
#include "traces/kv/kv_trace_stats.h"

using namespace tiersim;
using namespace tiersim::models;

namespace {

ModelShape shape(const char* json) {
  const nlohmann::json value = nlohmann::json::parse(json);
  return parse_model_shape(ConfigNode(value, "workload.model", "test"));
}

std::string shape_error(const char* json) {
  try {
    shape(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

traces::KvTrace generate(const char* json, uint32_t block_tokens = 16) {
  const nlohmann::json value = nlohmann::json::parse(json);
  return traces::generate_kv_trace(traces::parse_kv_generator(ConfigNode(value, "workload.generator", "test"), 5), block_tokens);
}

}  // namespace

TEST_CASE("bytes per token follow the model's shape") {
  // 80 layers x 8 KV heads x 128 dims x (K and V) x 2 bytes.
  CHECK(shape(R"("llama3_70b")").bytes_per_token() == 80u * 8 * 128 * 2 * 2);
  CHECK(shape(R"("llama3_8b")").bytes_per_token() == 128u * 1024);
  // MLA: 61 layers x (512 latent + 64 RoPE) x 2 bytes.
  CHECK(shape(R"("deepseek_v3")").bytes_per_token() == 61u * 576 * 2);
  CHECK(shape(R"({"preset": "deepseek_v3", "dtype": "fp8"})").bytes_per_token() == 61u * 576);
  CHECK(shape(R"({"layers": 32, "kv_heads": 8, "head_dim": 128, "dtype": "int4"})").bytes_per_token() == 32u * 8 * 128);
  CHECK(shape(R"({"layers": 4, "bytes_per_token": "1 KiB"})").bytes_per_token() == 1024);
  CHECK(shape(R"({"preset": "llama3_8b", "layers": 16})").layers == 16);
}

TEST_CASE("a model shape that cannot give a footprint is an error naming its path") {
  CHECK(shape_error(R"("gpt5")").find("workload.model: unknown model preset \"gpt5\"") != std::string::npos);
  CHECK(shape_error(R"({"kv_heads": 8, "head_dim": 128})").find("missing \"layers\"") != std::string::npos);
  CHECK(shape_error(R"({"layers": 8, "kv_heads": 8})").find("needs \"kv_heads\" and \"head_dim\"") != std::string::npos);
  CHECK(shape_error(R"({"layers": 8, "kv_heads": 8, "head_dim": 64, "latent_dim": 512})").find("not both") != std::string::npos);
  CHECK(shape_error(R"({"layers": 8, "kv_heads": 8, "head_dim": 64, "dtype": "fp12"})").find("workload.model.dtype") != std::string::npos);
  CHECK(shape_error(R"({"layers": 8, "heads": 8})").find("heads") != std::string::npos);
}

TEST_CASE("prefill cost: fixed + per token + per token pair over the whole prefix") {
  PrefillCost cost;
  cost.fixed = 1 * sim::kMillisecond;
  cost.per_token = 10 * sim::kMicrosecond;
  cost.per_token2_ps = 0.5;
  // 100 fresh after 300 cached: 1 ms + 1 ms + 0.5 ps x (400^2 - 300^2) = 35 ns.
  CHECK(cost.time(300, 100) == 2 * sim::kMillisecond + 35'000);
  CHECK(cost.time(0, 0) == sim::kMillisecond);
}

TEST_CASE("a decode step costs fixed + per sequence + the batch's context KV over the HBM bandwidth") {
  DecodeStepCost step;
  step.fixed = 20 * sim::kMillisecond;
  step.per_sequence = 50 * sim::kMicrosecond;
  CHECK(step.time(0, 0) == 20 * sim::kMillisecond);
  CHECK(step.time(10, uint64_t{1} << 40) == 20 * sim::kMillisecond + 500 * sim::kMicrosecond);  // no kv_read: context is free
  step.kv_read_Bps = 3'000'000'000'000;                                                          // 3 TB/s
  CHECK(step.time(10, 30'000'000'000) == 30 * sim::kMillisecond + 500 * sim::kMicrosecond);     // 30 GB: 10 ms
}

TEST_CASE("the token bucket throttles past its rate and refills with time") {
  TokenBucket bucket(10.0, 0.5);  // 10 per second, holds 5
  int taken = 0;
  for (int i = 0; i < 20; ++i) taken += bucket.take(0);
  CHECK(taken == 5);
  CHECK_FALSE(bucket.take(50 * sim::kMillisecond));  // half a token back
  CHECK(bucket.take(100 * sim::kMillisecond));        // one
  CHECK_FALSE(bucket.take(100 * sim::kMillisecond));
  TokenBucket unlimited;
  for (int i = 0; i < 1000; ++i) CHECK(unlimited.take(0));
}

TEST_CASE("generated conversations extend their own prefix and share system prompts") {
  // Every request continues the one conversation: each prompt starts with the whole
  // previous prompt and its answer.
  const traces::KvTrace chat = generate(R"({"requests": 5, "arrival": {"process": "poisson", "rate": 1},
      "input_tokens": {"dist": "constant", "value": 40}, "output_tokens": {"dist": "constant", "value": 8},
      "sessions": {"turns_mean": 1000000, "max_open": 1}})");
  REQUIRE(chat.requests.size() == 5);
  for (size_t r = 1; r < 5; ++r) {
    const traces::KvRequest& before = chat.requests[r - 1];
    const traces::KvRequest& now = chat.requests[r];
    CHECK(now.input_tokens == before.input_tokens + 8 + 40);
    // Full blocks of the previous prompt are shared; its partial last block is not.
    const uint32_t full = before.input_tokens / 16;
    for (uint32_t b = 0; b < full; ++b) CHECK(chat.blocks_of(now)[b] == chat.blocks_of(before)[b]);
    CHECK(chat.blocks_of(now)[full] != chat.blocks_of(before)[full]);
  }
  // One system prompt, no follow-ups: every prompt shares exactly its 64 tokens.
  const traces::KvTrace shared = generate(R"({"requests": 50, "arrival": {"process": "poisson", "rate": 1},
      "input_tokens": {"dist": "uniform", "min": 1, "max": 100}, "system_prompts": {"count": 1, "tokens": 64}})");
  const traces::KvTraceStats stats = traces::compute_kv_trace_stats(shared);
  CHECK(stats.prefix_hit_blocks == 49u * 4);
  CHECK(stats.requests_with_cached_prefix == 49);
}

TEST_CASE("generated arrivals have the configured rate and burstiness, and a seed repeats them") {
  auto gaps_cv = [](const traces::KvTrace& t, double* mean) {
    double sum = 0, sum2 = 0;
    const size_t n = t.requests.size() - 1;
    for (size_t i = 1; i < t.requests.size(); ++i) {
      const double g = double(t.requests[i].arrival_us - t.requests[i - 1].arrival_us);
      sum += g;
      sum2 += g * g;
    }
    *mean = sum / double(n);
    return std::sqrt(sum2 / double(n) - *mean * *mean) / *mean;
  };
  double mean = 0;
  const char* poisson = R"({"requests": 20000, "arrival": {"process": "poisson", "rate": 50}, "input_tokens": {"dist": "constant", "value": 16}})";
  CHECK(gaps_cv(generate(poisson), &mean) == doctest::Approx(1.0).epsilon(0.05));
  CHECK(mean == doctest::Approx(20000.0).epsilon(0.03));  // us between requests at 50/s
  const traces::KvTrace bursty = generate(R"({"requests": 20000, "arrival": {"process": "bursty", "rate": 50, "cv": 3},
      "input_tokens": {"dist": "lognormal", "mean": 500, "cv": 1}})");
  CHECK(gaps_cv(bursty, &mean) == doctest::Approx(3.0).epsilon(0.15));
  CHECK(mean == doctest::Approx(20000.0).epsilon(0.1));
  const traces::KvTrace again = generate(R"({"requests": 20000, "arrival": {"process": "bursty", "rate": 50, "cv": 3},
      "input_tokens": {"dist": "lognormal", "mean": 500, "cv": 1}})");
  CHECK(again.block_ids == bursty.block_ids);
  CHECK(traces::kv_trace_to_jsonl(again) == traces::kv_trace_to_jsonl(bursty));
}
