// The roofline worked out by hand: a layer's FLOPs and bytes from the model's shape, the
// GPU presets and their overrides, and the errors a wrong compute section gets.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "models/compute/gpu_profile.h"
#include "models/compute/model_shape.h"
#include "models/compute/roofline.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"

using namespace tiersim;
using namespace tiersim::models;

namespace {

ModelShape model(const char* json) {
  const nlohmann::json value = nlohmann::json::parse(json);
  return parse_model_shape(ConfigNode(value, "workload.model", "test"));
}

GpuProfile gpu(const char* json) {
  const nlohmann::json value = nlohmann::json::parse(json);
  return parse_gpu_profile(ConfigNode(value, "workload.gpu", "test"));
}

std::string gpu_error(const char* json) {
  try {
    gpu(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Mixtral-8x7B's per-layer counts: q and o 4096 x 4096, k and v 4096 x 1024, an expert
// 3 x 4096 x 14336, the router 4096 x 8; one token's KV in a layer is 2 x 8 x 128 x 2 bytes.
constexpr double kAttention = 2.0 * 4096 * 4096 + 2.0 * 4096 * 1024;
constexpr double kExpert = 3.0 * 4096 * 14336;
constexpr double kRouter = 4096.0 * 8;
constexpr double kKvPerToken = 2.0 * 8 * 128 * 2;

}  // namespace

TEST_CASE("a decode token on Mixtral-8x7B is bound by reading its two experts from HBM") {
  const Roofline roof(model(R"("mixtral_8x7b")"), gpu(R"("h100_sxm")"));
  CHECK(roof.model().expert_bytes() == 3ull * 4096 * 14336 * 2);  // 336 MiB
  LayerWork work;
  work.tokens = 1;
  work.attended = 4097;  // a 4096-token context and itself
  work.kv_tokens_read = 4096;
  work.experts_touched = 2;
  const LayerCost cost = roof.layer(work);
  const double bytes = (kAttention + kRouter + 2 * kExpert) * 2 + (4096 + 1) * kKvPerToken;
  const double flops = 2.0 * (kAttention + kRouter + 2 * kExpert) + 4097.0 * 4 * 32 * 128;
  CHECK(cost.bytes == doctest::Approx(bytes));
  CHECK(cost.flops == doctest::Approx(flops));
  CHECK(double(cost.time) == doctest::Approx(bytes / 3.35e12 * 1e12).epsilon(1e-8));  // memory-bound, to the picosecond
  // Touching all eight experts reads four times the expert bytes.
  work.experts_touched = 8;
  CHECK(roof.layer(work).bytes == doctest::Approx(bytes + 6 * kExpert * 2));
}

TEST_CASE("a long prefill is bound by the FLOPs, at the dtype's peak and the efficiency") {
  const Roofline roof(model(R"("mixtral_8x7b")"), gpu(R"({"preset": "h100_sxm", "efficiency": 0.5})"));
  LayerWork work;
  work.tokens = 8192;
  work.attended = 8192.0 * 8193 / 2;
  work.experts_touched = 8;
  const LayerCost cost = roof.layer(work);
  CHECK(cost.flops / 989.4e12 > cost.bytes / 3.35e12);
  CHECK(double(cost.time) == doctest::Approx(cost.flops / 989.4e12 / 0.5 * 1e12).epsilon(1e-9));
  // The whole prefill: 32 MoE layers, each touching the expected experts (all 8 here).
  CHECK(roof.prefill(0, 8192) == doctest::Approx(32.0 * double(cost.time)).epsilon(1e-6));
}

TEST_CASE("fp8 weights run at the fp8 peak where the GPU has one, else at bf16") {
  const ModelShape v3 = model(R"("deepseek_v3")");
  CHECK(v3.weight_fp8);
  CHECK(v3.expert_bytes() == 3ull * 7168 * 2048);  // fp8: one byte a weight
  CHECK(v3.bytes_per_token() == 61u * 576 * 2);      // the KV cache stays bf16
  CHECK(Roofline(v3, gpu(R"("h100_sxm")")).peak_flops() == doctest::Approx(1978.9e12));
  CHECK(Roofline(v3, gpu(R"("a100_80gb")")).peak_flops() == doctest::Approx(312e12));
  CHECK(Roofline(model(R"("mixtral_8x7b")"), gpu(R"("b200")")).peak_flops() == doctest::Approx(2250e12));
}

TEST_CASE("DeepSeek-V3's dense layers, shared expert and MLA are counted") {
  const Roofline roof(model(R"("deepseek_v3")"), gpu(R"("h200")"));
  LayerWork work;
  work.tokens = 1;
  work.experts_touched = 8;
  const double d = 7168;
  const double mla = d * 1536 + 1536.0 * 128 * (128 + 64) + d * (512 + 64) + 512.0 * 128 * (128 + 128) + 128.0 * 128 * d;
  const double moe_weights = mla + d * 256 + (8 + 1) * 3 * d * 2048;
  CHECK(roof.layer(work).bytes == doctest::Approx(moe_weights * 1 + 576 * 2));
  work.moe = false;
  CHECK(roof.layer(work).bytes == doctest::Approx((mla + 3 * d * 18432) * 1 + 576 * 2));
  CHECK(roof.dense_layers(work) == 3 * roof.layer(work).time);
}

TEST_CASE("expected distinct experts follow the top-k draw") {
  const Roofline roof(model(R"("mixtral_8x7b")"), gpu(R"("h100_sxm")"));
  CHECK(roof.expected_experts(1) == doctest::Approx(2));
  CHECK(roof.expected_experts(2) == doctest::Approx(8 * (1 - 0.75 * 0.75)));
  CHECK(roof.expected_experts(1000) == doctest::Approx(8));
}

TEST_CASE("a decode step grows with the batch's context") {
  const Roofline roof(model(R"("llama3_8b")"), gpu(R"("h100_sxm")"));
  CHECK(roof.decode_step(1, 0) > 0);
  CHECK(roof.decode_step(16, 16 * 8192) > roof.decode_step(16, 16 * 1024));
  CHECK(roof.decode_step(0, 0) == 0);
}

TEST_CASE("GPU presets can be overridden field by field") {
  const GpuProfile g = gpu(R"({"preset": "l40s", "hbm_bandwidth": "1 TB/s", "peak_tflops": {"fp8": 0}})");
  CHECK(g.hbm_Bps == doctest::Approx(1e12));
  CHECK(g.fp8_flops == 0);
  CHECK(g.bf16_flops == doctest::Approx(362.05e12));
  size_t count = 0;
  const GpuProfile* all = gpu_presets(&count);
  CHECK(count == 5);
  for (size_t i = 0; i < count; ++i) {
    CHECK(all[i].bf16_flops > 0);
    CHECK(all[i].hbm_Bps > 0);
    CHECK(std::string(all[i].source).size() > 20);
  }
}

TEST_CASE("a wrong GPU is an error naming its path and what is valid") {
  CHECK(gpu_error(R"("h300")").find("workload.gpu: unknown GPU preset \"h300\"; expected one of: h100_sxm, h200, a100_80gb, b200, l40s") !=
        std::string::npos);
  CHECK(gpu_error(R"({"peak_tflops": {"bf16": 0}, "hbm_bandwidth": "1 TB/s"})").find("workload.gpu.peak_tflops: the bf16 peak must be positive") !=
        std::string::npos);
  CHECK(gpu_error(R"({"peak_tflops": {"bf16": 100}})").find("missing \"hbm_bandwidth\"") != std::string::npos);
  CHECK(gpu_error(R"({"preset": "h200", "efficiency": 0})").find("workload.gpu.efficiency") != std::string::npos);
  CHECK(gpu_error(R"({"preset": "h200", "flops": 1})").find("unknown key \"flops\"") != std::string::npos);
}

TEST_CASE("model presets carry the published MoE shapes") {
  const ModelShape m22 = model(R"("mixtral_8x22b")");
  CHECK(m22.layers == 56);
  CHECK(m22.expert_bytes() == 3ull * 6144 * 16384 * 2);
  const ModelShape qwen = model(R"("qwen3_30b_a3b")");
  CHECK(qwen.experts == 128);
  CHECK(qwen.top_k == 8);
  CHECK(qwen.bytes_per_token() == 48u * 4 * 128 * 2 * 2);
  std::string missing;
  CHECK_FALSE(model(R"({"layers": 4, "kv_heads": 2, "head_dim": 64})").has_compute_shape(&missing));
  CHECK(missing == "d_model");
  CHECK_THROWS_WITH_AS(model(R"({"preset": "mixtral_8x7b", "top_k": 9})"), doctest::Contains("workload.model: top_k 9 must be between 1 and the 8 experts"),
                       InputError);
}
