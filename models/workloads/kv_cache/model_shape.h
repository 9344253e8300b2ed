#pragma once
// A model's KV-cache footprint: bytes per token from its shape. Grouped-query attention
// stores a key and a value vector per KV head per layer:
//     layers * kv_heads * head_dim * 2 * dtype_bytes
// multi-head latent attention (DeepSeek's MLA) stores one compressed latent plus the
// decoupled RoPE key per layer:
//     layers * (latent_dim + rope_dim) * dtype_bytes
// Config key "workload.model": a preset name ("llama3_70b"), or an object with "preset"
// and any field to override, or the fields alone:
//   {"layers": 80, "kv_heads": 8, "head_dim": 128, "dtype": "fp16"}
//   {"layers": 61, "latent_dim": 512, "rope_dim": 64, "dtype": "fp8"}
//   {"layers": 32, "bytes_per_token": "128 KiB"}   (the footprint given directly)
#include <cstdint>
#include <string>

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct ModelShape {
  std::string name;  // the preset, or "custom"
  uint32_t layers = 0;
  uint32_t kv_heads = 0;    // GQA/MHA; 0 for MLA
  uint32_t head_dim = 0;
  uint32_t latent_dim = 0;  // MLA; 0 for GQA
  uint32_t rope_dim = 0;
  double dtype_bytes = 2;   // fp32 4, fp16/bf16 2, fp8 1, int4 0.5
  uint64_t bytes_per_token_override = 0;

  uint64_t bytes_per_token() const;
};

// The presets' names, for messages and `tiersim list`.
std::string model_preset_names();
// Throws InputError naming the JSON path of a mistake.
ModelShape parse_model_shape(const ConfigNode& node);

}  // namespace tiersim::models
