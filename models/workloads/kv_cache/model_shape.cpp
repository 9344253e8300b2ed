#include "models/workloads/kv_cache/model_shape.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "sim/config/config_node.h"

namespace tiersim::models {

namespace {

// Published architectures (the models' config.json files).
ModelShape gqa(const char* name, uint32_t layers, uint32_t kv_heads, uint32_t head_dim) {
  ModelShape s;
  s.name = name;
  s.layers = layers;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  return s;
}
ModelShape mla(const char* name, uint32_t layers, uint32_t latent_dim, uint32_t rope_dim) {
  ModelShape s;
  s.name = name;
  s.layers = layers;
  s.latent_dim = latent_dim;
  s.rope_dim = rope_dim;
  return s;
}

const ModelShape kPresets[] = {
    gqa("llama3_8b", 32, 8, 128),      // 128 KiB per token in fp16
    gqa("llama3_70b", 80, 8, 128),     // 320 KiB
    gqa("llama2_70b", 80, 8, 128),     // the model of Mooncake's trace-driven experiments
    gqa("llama2_7b", 32, 32, 128),     // MHA: 512 KiB
    gqa("mistral_7b", 32, 8, 128),
    gqa("qwen2_5_7b", 28, 4, 128),     // 56 KiB
    gqa("qwen2_5_72b", 80, 8, 128),
    mla("deepseek_v3", 61, 512, 64),   // 68.6 KiB in bf16
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

double dtype_bytes(const ConfigNode& node) {
  const std::string d = node.as_enum({"fp32", "fp16", "bf16", "fp8", "int8", "int4"});
  if (d == "fp32") return 4;
  if (d == "fp16" || d == "bf16") return 2;
  if (d == "int4") return 0.5;
  return 1;
}

}  // namespace

uint64_t ModelShape::bytes_per_token() const {
  if (bytes_per_token_override) return bytes_per_token_override;
  const double per_layer = latent_dim ? double(latent_dim + rope_dim) : 2.0 * kv_heads * head_dim;
  return static_cast<uint64_t>(std::ceil(per_layer * layers * dtype_bytes));
}

std::string model_preset_names() {
  std::string names;
  for (const ModelShape& p : kPresets) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

ModelShape parse_model_shape(const ConfigNode& node) {
  if (node.is_string()) return preset(node);
  if (!node.is_object()) node.fail("expected a preset name (" + model_preset_names() + ") or an object, got " + node.describe());
  node.allow_only({"preset", "layers", "kv_heads", "head_dim", "latent_dim", "rope_dim", "dtype", "bytes_per_token"});
  ModelShape s;
  s.name = "custom";
  if (auto p = node.find("preset")) s = preset(*p);
  if (auto n = node.find("layers")) s.layers = static_cast<uint32_t>(n->as_uint(1, 4096));
  if (auto n = node.find("kv_heads")) s.kv_heads = static_cast<uint32_t>(n->as_uint(1, 4096));
  if (auto n = node.find("head_dim")) s.head_dim = static_cast<uint32_t>(n->as_uint(1, 65536));
  if (auto n = node.find("latent_dim")) s.latent_dim = static_cast<uint32_t>(n->as_uint(1, 65536));
  if (auto n = node.find("rope_dim")) s.rope_dim = static_cast<uint32_t>(n->as_uint(0, 65536));
  if (auto n = node.find("dtype")) s.dtype_bytes = dtype_bytes(*n);
  if (auto n = node.find("bytes_per_token")) {
    s.bytes_per_token_override = n->as_bytes();
    if (s.bytes_per_token_override == 0) n->fail("expected a positive size, got " + n->describe());
  }
  if (s.layers == 0) node.fail("missing \"layers\" (the model's layer count, or a \"preset\")");
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
