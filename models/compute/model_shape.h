#pragma once
// A transformer's shape: what its KV cache takes per token and what one layer computes.
//
// KV footprint. Grouped-query attention stores a key and a value vector per KV head per
// layer:  layers * kv_heads * head_dim * 2 * dtype_bytes;  multi-head latent attention
// (DeepSeek's MLA) stores one compressed latent plus the decoupled RoPE key per layer:
// layers * (latent_dim + rope_dim) * dtype_bytes.
//
// Compute (models/compute/roofline.h) also needs d_model, heads, the feed-forward widths
// and, for an MoE, the experts: every preset has them.
//
// Config key "workload.model": a preset name ("mixtral_8x7b"), or an object with "preset"
// and any field to override, or the fields alone:
//   {"layers": 80, "kv_heads": 8, "head_dim": 128, "dtype": "fp16"}
//   {"layers": 61, "latent_dim": 512, "rope_dim": 64, "dtype": "fp8"}
//   {"layers": 32, "bytes_per_token": "128 KiB"}   (the footprint given directly)
// Compute fields: d_model, heads (query heads), q_lora_rank and v_head_dim (MLA),
// dense_ff (a dense layer's feed-forward width), expert_ff (one expert's), experts,
// shared_experts, top_k, dense_layers (leading layers with a dense feed-forward, as
// DeepSeek-V3's first three), weight_dtype (default: dtype, which is the KV cache's).
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
  uint32_t head_dim = 0;    // per head (MLA: the non-RoPE part of a query/key head)
  uint32_t latent_dim = 0;  // MLA's compressed KV width; 0 for GQA
  uint32_t rope_dim = 0;
  double dtype_bytes = 2;   // the KV cache's: fp32 4, fp16/bf16 2, fp8 1, int4 0.5
  uint64_t bytes_per_token_override = 0;

  // Compute shape (0 where unknown).
  uint32_t d_model = 0;
  uint32_t heads = 0;
  uint32_t q_lora_rank = 0;  // MLA's compressed query width (0: full-rank queries)
  uint32_t v_head_dim = 0;   // MLA's value head width (0: head_dim)
  uint64_t dense_ff = 0;
  uint64_t expert_ff = 0;
  uint32_t experts = 0;      // routed experts per MoE layer (0: a dense model)
  uint32_t shared_experts = 0;
  uint32_t top_k = 0;
  uint32_t dense_layers = 0;  // of `layers`, the leading ones without experts
  double weight_dtype_bytes = 2;
  bool weight_fp8 = false;    // the weights are fp8 (the GPU's fp8 peak applies)
  bool weight_fp32 = false;

  uint64_t bytes_per_token() const;
  // One layer's KV, bytes per token.
  double kv_bytes_per_token_layer() const;
  // One routed expert's weights (gate, up and down projections), bytes.
  uint64_t expert_bytes() const { return static_cast<uint64_t>(3.0 * d_model * expert_ff * weight_dtype_bytes); }
  bool is_moe() const { return experts > 0; }
  // Whether the fields a roofline needs are there; `missing` names the first absent one.
  bool has_compute_shape(std::string* missing = nullptr) const;
};

// The presets' names, for messages and `tiersim list`.
std::string model_preset_names();
// Throws InputError naming the JSON path of a mistake.
ModelShape parse_model_shape(const ConfigNode& node);

}  // namespace tiersim::models
