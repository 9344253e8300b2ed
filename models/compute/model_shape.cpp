#include "models/compute/model_shape.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "sim/config/config_node.h"

namespace tiersim::models {

namespace {

// Published architectures, from each model's config.json on its Hugging Face page
// (hidden_size, num_attention_heads, num_key_value_heads, intermediate_size,
// moe_intermediate_size, n_routed_experts / num_local_experts, num_experts_per_tok, ...).
struct Dense {
  uint32_t d_model, heads;
  uint64_t ff;
};
ModelShape gqa(const char* name, uint32_t layers, uint32_t kv_heads, uint32_t head_dim, Dense dense) {
  ModelShape s;
  s.name = name;
  s.layers = layers;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  s.d_model = dense.d_model;
  s.heads = dense.heads;
  s.dense_ff = dense.ff;
  return s;
}
ModelShape moe(ModelShape s, uint64_t expert_ff, uint32_t experts, uint32_t top_k, uint32_t shared = 0, uint32_t dense_layers = 0) {
  s.expert_ff = expert_ff;
  s.experts = experts;
  s.top_k = top_k;
  s.shared_experts = shared;
  s.dense_layers = dense_layers;
  if (dense_layers == 0) s.dense_ff = 0;
  return s;
}
ModelShape deepseek_v3() {
  // MLA: q_lora_rank 1536, kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128,
  // v_head_dim 128; 256 routed experts of width 2048 and one shared, top-8, the first 3
  // layers dense (width 18432). The released weights are fp8; the KV cache is bf16.
  ModelShape s = gqa("deepseek_v3", 61, 0, 128, {7168, 128, 18432});
  s.latent_dim = 512;
  s.rope_dim = 64;
  s.q_lora_rank = 1536;
  s.v_head_dim = 128;
  s = moe(s, 2048, 256, 8, 1, 3);
  s.weight_dtype_bytes = 1;
  s.weight_fp8 = true;
  return s;
}

const ModelShape kPresets[] = {
    gqa("llama3_8b", 32, 8, 128, {4096, 32, 14336}),     // 128 KiB per token in fp16
    gqa("llama3_70b", 80, 8, 128, {8192, 64, 28672}),    // 320 KiB
    gqa("llama2_70b", 80, 8, 128, {8192, 64, 28672}),    // the model of Mooncake's trace-driven experiments
    gqa("llama2_7b", 32, 32, 128, {4096, 32, 11008}),    // MHA: 512 KiB
    gqa("mistral_7b", 32, 8, 128, {4096, 32, 14336}),
    gqa("qwen2_5_7b", 28, 4, 128, {3584, 28, 18944}),    // 56 KiB
    gqa("qwen2_5_72b", 80, 8, 128, {8192, 64, 29568}),
    deepseek_v3(),                                       // 68.6 KiB in bf16
    moe(gqa("mixtral_8x7b", 32, 8, 128, {4096, 32, 0}), 14336, 8, 2),    // 336 MiB an expert in bf16
    moe(gqa("mixtral_8x22b", 56, 8, 128, {6144, 48, 0}), 16384, 8, 2),
    moe(gqa("qwen3_30b_a3b", 48, 4, 128, {2048, 32, 0}), 768, 128, 8),
};

const ModelShape* find_preset(const std::string& name) {
  for (const ModelShape& p : kPresets)
    if (p.name == name) return &p;
  return nullptr;
}

ModelShape preset(const ConfigNode& node) {
  const std::string name = node.as_string();
  const ModelShape* p = find_preset(name);
  if (!p) node.fail("unknown model preset \"" + name + "\"; expected one of: " + model_preset_names());
  return *p;
}

std::string dtype_name(const ConfigNode& node) { return node.as_enum({"fp32", "fp16", "bf16", "fp8", "int8", "int4"}); }
double dtype_bytes(const std::string& d) {
  if (d == "fp32") return 4;
  if (d == "fp16" || d == "bf16") return 2;
  if (d == "int4") return 0.5;
  return 1;
}

uint32_t small(const ConfigNode& node, uint32_t min, uint32_t max) { return static_cast<uint32_t>(node.as_uint(min, max)); }

void read_compute_fields(const ConfigNode& node, ModelShape& s) {
  if (auto n = node.find("d_model")) s.d_model = small(*n, 1, 1u << 20);
  if (auto n = node.find("heads")) s.heads = small(*n, 1, 65536);
  if (auto n = node.find("q_lora_rank")) s.q_lora_rank = small(*n, 0, 1u << 20);
  if (auto n = node.find("v_head_dim")) s.v_head_dim = small(*n, 0, 65536);
  if (auto n = node.find("dense_ff")) s.dense_ff = n->as_uint(0, 1u << 24);
  if (auto n = node.find("expert_ff")) s.expert_ff = n->as_uint(0, 1u << 24);
  if (auto n = node.find("experts")) s.experts = small(*n, 0, 1u << 16);
  if (auto n = node.find("shared_experts")) s.shared_experts = small(*n, 0, 1024);
  if (auto n = node.find("top_k")) s.top_k = small(*n, 0, 1u << 16);
  if (auto n = node.find("dense_layers")) s.dense_layers = small(*n, 0, 4096);
  if (auto n = node.find("weight_dtype")) {
    const std::string d = dtype_name(*n);
    s.weight_dtype_bytes = dtype_bytes(d);
    s.weight_fp8 = d == "fp8";
    s.weight_fp32 = d == "fp32";
  }
  if (s.experts > 0 && (s.top_k == 0 || s.top_k > s.experts)) {
    node.fail("top_k " + std::to_string(s.top_k) + " must be between 1 and the " + std::to_string(s.experts) + " experts");
  }
  if (s.dense_layers > s.layers) node.fail("dense_layers " + std::to_string(s.dense_layers) + " exceeds the " + std::to_string(s.layers) + " layers");
}

}  // namespace

uint64_t ModelShape::bytes_per_token() const {
  if (bytes_per_token_override) return bytes_per_token_override;
  return static_cast<uint64_t>(std::ceil(kv_bytes_per_token_layer() * layers));
}

double ModelShape::kv_bytes_per_token_layer() const {
  if (bytes_per_token_override) return double(bytes_per_token_override) / layers;
  const double per_layer = latent_dim ? double(latent_dim + rope_dim) : 2.0 * kv_heads * head_dim;
  return per_layer * dtype_bytes;
}

bool ModelShape::has_compute_shape(std::string* missing) const {
  const char* absent = d_model == 0 ? "d_model"
                       : heads == 0 ? "heads"
                       : head_dim == 0 ? "head_dim"
                       : (experts == 0 || dense_layers > 0) && dense_ff == 0 ? "dense_ff"
                       : experts > 0 && expert_ff == 0 ? "expert_ff"
                       : nullptr;
  if (absent && missing) *missing = absent;
  return absent == nullptr;
}

std::string model_preset_names() {
  std::string names;
  for (const ModelShape& p : kPresets) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

ModelShape parse_model_shape(const ConfigNode& node) {
  if (node.is_string()) return preset(node);
  if (!node.is_object()) node.fail("expected a preset name (" + model_preset_names() + ") or an object, got " + node.describe());
  node.allow_only({"preset", "layers", "kv_heads", "head_dim", "latent_dim", "rope_dim", "dtype", "bytes_per_token", "d_model", "heads",
                   "q_lora_rank", "v_head_dim", "dense_ff", "expert_ff", "experts", "shared_experts", "top_k", "dense_layers",
                   "weight_dtype"});
  ModelShape s;
  s.name = "custom";
  if (auto p = node.find("preset")) s = preset(*p);
  if (auto n = node.find("layers")) s.layers = small(*n, 1, 4096);
  if (auto n = node.find("kv_heads")) s.kv_heads = static_cast<uint32_t>(n->as_uint(1, 4096));
  if (auto n = node.find("head_dim")) s.head_dim = static_cast<uint32_t>(n->as_uint(1, 65536));
  if (auto n = node.find("latent_dim")) s.latent_dim = static_cast<uint32_t>(n->as_uint(1, 65536));
  if (auto n = node.find("rope_dim")) s.rope_dim = static_cast<uint32_t>(n->as_uint(0, 65536));
  if (auto n = node.find("dtype")) {
    const std::string d = dtype_name(*n);
    s.dtype_bytes = dtype_bytes(d);
    if (!node.has("weight_dtype")) {  // one dtype for both unless the weights are given apart
      s.weight_dtype_bytes = s.dtype_bytes;
      s.weight_fp8 = d == "fp8";
      s.weight_fp32 = d == "fp32";
    }
  }
  if (auto n = node.find("bytes_per_token")) {
    s.bytes_per_token_override = n->as_bytes();
    if (s.bytes_per_token_override == 0) n->fail("expected a positive size, got " + n->describe());
  }
  if (s.layers == 0) node.fail("missing \"layers\" (the model's layer count, or a \"preset\")");
  read_compute_fields(node, s);
  if (s.kv_heads && s.latent_dim) {
    node.fail("give either \"kv_heads\" with \"head_dim\" (grouped-query attention) or \"latent_dim\" (MLA), not both");
  }
  if (!s.bytes_per_token_override) {
    if (s.latent_dim == 0 && (s.kv_heads == 0 || s.head_dim == 0)) {
      node.fail("the KV footprint needs \"kv_heads\" and \"head_dim\", \"latent_dim\" (MLA), or \"bytes_per_token\"");
    }
    if (s.bytes_per_token() == 0) node.fail("the shape gives 0 bytes per token");
  }
  return s;
}

}  // namespace tiersim::models
