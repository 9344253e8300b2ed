#pragma once
// A GPU's compute roof: peak dense tensor FLOP/s per dtype, HBM bandwidth and capacity,
// and the fraction of the roof a kernel reaches (efficiency). The hardware profile keeps
// the links; this is the device they feed.
// Config key "workload.gpu": a preset name ("h100_sxm"), or an object with "preset" and
// any field to override, or the fields alone:
//   {"preset": "h100_sxm", "efficiency": 0.6}
//   {"peak_tflops": {"bf16": 989, "fp8": 1979, "fp32": 67}, "hbm_bandwidth": "3.35 TB/s",
//    "hbm": "80 GB", "efficiency": 1}
// A peak of 0 for fp8 means the GPU has no fp8 tensor cores (fp8 weights then run at the
// bf16 peak); the bf16 peak and the bandwidth must be positive.
#include <cstdint>
#include <string>

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct GpuProfile {
  std::string name;  // the preset, or "custom"
  double bf16_flops = 0;  // dense tensor-core FLOP/s (no structured sparsity)
  double fp8_flops = 0;
  double fp32_flops = 0;
  double hbm_Bps = 0;
  uint64_t hbm_bytes = 0;
  double efficiency = 1;  // of the roof a layer reaches, in (0, 1]
  const char* source = "";  // where the preset's figures come from
};

std::string gpu_preset_names();
// The presets, for `tiersim list` and the docs.
const GpuProfile* gpu_presets(size_t* count);
// Throws InputError naming the JSON path of a mistake.
GpuProfile parse_gpu_profile(const ConfigNode& node);

}  // namespace tiersim::models
