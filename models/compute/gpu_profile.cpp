#include "models/compute/gpu_profile.h"

#include <nlohmann/json.hpp>

#include "sim/config/config_node.h"

namespace tiersim::models {

namespace {

constexpr double kTera = 1e12;

GpuProfile gpu(const char* name, double bf16_tflops, double fp8_tflops, double fp32_tflops, double hbm_TBps, double hbm_GB,
               const char* source) {
  GpuProfile g;
  g.name = name;
  g.bf16_flops = bf16_tflops * kTera;
  g.fp8_flops = fp8_tflops * kTera;
  g.fp32_flops = fp32_tflops * kTera;
  g.hbm_Bps = hbm_TBps * kTera;
  g.hbm_bytes = static_cast<uint64_t>(hbm_GB * 1e9);
  g.source = source;
  return g;
}

// Vendor datasheets list tensor throughput "with sparsity"; the dense figures are half.
const GpuProfile kPresets[] = {
    gpu("h100_sxm", 989.4, 1978.9, 66.9, 3.35, 80,
        "NVIDIA H100 Tensor Core GPU datasheet, H100 SXM column: BF16 1,979 and FP8 3,958 TFLOPS with sparsity, "
        "FP32 67 TFLOPS, 80 GB HBM3 at 3.35 TB/s"),
    gpu("h200", 989.4, 1978.9, 66.9, 4.8, 141,
        "NVIDIA H200 Tensor Core GPU datasheet, H200 SXM column: BF16 1,979 and FP8 3,958 TFLOPS with sparsity, "
        "FP32 67 TFLOPS, 141 GB HBM3e at 4.8 TB/s"),
    gpu("a100_80gb", 312, 0, 19.5, 2.039, 80,
        "NVIDIA A100 Tensor Core GPU datasheet, A100 80GB SXM column: BF16 312 TFLOPS dense, no FP8, FP32 19.5 TFLOPS, "
        "80 GB HBM2e at 2,039 GB/s"),
    gpu("b200", 2250, 4500, 75, 8.0, 180,
        "NVIDIA HGX B200 datasheet (eight GPUs, per GPU): BF16 36 and FP8 72 PFLOPS with sparsity, FP32 600 TFLOPS, "
        "1.44 TB HBM3e at 64 TB/s"),
    gpu("l40s", 362.05, 733, 91.6, 0.864, 48,
        "NVIDIA L40S datasheet: BF16 733 and FP8 1,466 TFLOPS with sparsity, FP32 91.6 TFLOPS, 48 GB GDDR6 at 864 GB/s"),
};

const GpuProfile* find_preset(const std::string& name) {
  for (const GpuProfile& p : kPresets)
    if (p.name == name) return &p;
  return nullptr;
}

GpuProfile preset(const ConfigNode& node) {
  const std::string name = node.as_string();
  const GpuProfile* p = find_preset(name);
  if (!p) node.fail("unknown GPU preset \"" + name + "\"; expected one of: " + gpu_preset_names());
  return *p;
}

void read_peaks(const ConfigNode& node, GpuProfile& g) {
  if (!node.is_object()) node.fail("expected an object of dtype -> TFLOP/s (bf16, fp8, fp32), got " + node.describe());
  node.allow_only({"bf16", "fp8", "fp32"});
  g.bf16_flops = node.double_or("bf16", g.bf16_flops / kTera, 0, 1e6) * kTera;
  g.fp8_flops = node.double_or("fp8", g.fp8_flops / kTera, 0, 1e6) * kTera;
  g.fp32_flops = node.double_or("fp32", g.fp32_flops / kTera, 0, 1e6) * kTera;
  if (g.bf16_flops <= 0) node.fail("the bf16 peak must be positive: a roofline with zero peak never finishes a layer");
}

}  // namespace

std::string gpu_preset_names() {
  std::string names;
  for (const GpuProfile& p : kPresets) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

const GpuProfile* gpu_presets(size_t* count) {
  *count = sizeof(kPresets) / sizeof(kPresets[0]);
  return kPresets;
}

GpuProfile parse_gpu_profile(const ConfigNode& node) {
  if (node.is_string()) return preset(node);
  if (!node.is_object()) node.fail("expected a GPU preset name (" + gpu_preset_names() + ") or an object, got " + node.describe());
  node.allow_only({"preset", "peak_tflops", "hbm_bandwidth", "hbm", "efficiency"});
  GpuProfile g;
  g.name = "custom";
  g.source = "given in the config";
  if (auto p = node.find("preset")) g = preset(*p);
  if (auto p = node.find("peak_tflops")) read_peaks(*p, g);
  if (auto b = node.find("hbm_bandwidth")) g.hbm_Bps = static_cast<double>(b->as_bandwidth_Bps());
  if (auto h = node.find("hbm")) g.hbm_bytes = h->as_bytes();
  if (auto e = node.find("efficiency")) {
    g.efficiency = e->as_double(0, 1);
    if (g.efficiency <= 0) e->fail("expected a fraction of the roof in (0, 1], got " + e->describe());
  }
  if (g.bf16_flops <= 0) node.fail("missing \"peak_tflops\" (at least {\"bf16\": ...}) or a \"preset\"");
  if (g.hbm_Bps <= 0) node.fail("missing \"hbm_bandwidth\" (such as \"3.35 TB/s\") or a \"preset\"");
  return g;
}

}  // namespace tiersim::models
