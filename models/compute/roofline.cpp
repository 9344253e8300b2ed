#include "models/compute/roofline.h"

#include <algorithm>
#include <cmath>

namespace tiersim::models {

Roofline::Roofline(ModelShape model, GpuProfile gpu) : model_(std::move(model)), gpu_(std::move(gpu)) {}

double Roofline::peak_flops() const {
  if (model_.weight_fp8 && gpu_.fp8_flops > 0) return gpu_.fp8_flops;
  if (model_.weight_fp32 && gpu_.fp32_flops > 0) return gpu_.fp32_flops;
  return gpu_.bf16_flops;
}

double Roofline::attention_weights() const {
  const ModelShape& m = model_;
  const double d = m.d_model, h = m.heads, hd = m.head_dim;
  if (m.latent_dim == 0) return d * h * hd * 2 + 2.0 * d * m.kv_heads * hd;  // q and o, k and v
  const double rope = m.rope_dim, v = m.v_head_dim ? m.v_head_dim : m.head_dim, latent = m.latent_dim;
  const double q = m.q_lora_rank ? d * m.q_lora_rank + double(m.q_lora_rank) * h * (hd + rope) : d * h * (hd + rope);
  return q + d * (latent + rope) + latent * h * (hd + v) + h * v * d;
}

double Roofline::attention_flops_per_pair() const {
  const ModelShape& m = model_;
  if (m.latent_dim == 0) return 4.0 * m.heads * m.head_dim;
  const double v = m.v_head_dim ? m.v_head_dim : m.head_dim;
  return 2.0 * m.heads * (m.head_dim + m.rope_dim) + 2.0 * m.heads * v;
}

LayerCost Roofline::layer(const LayerWork& work) const {
  const ModelShape& m = model_;
  const double d = m.d_model;
  const double expert = 3.0 * d * double(m.expert_ff);
  double ffn_flops_per_token, ffn_weights_read;
  if (work.moe && m.is_moe()) {
    ffn_flops_per_token = 2.0 * (d * m.experts + (double(m.top_k) + m.shared_experts) * expert);
    const double touched = std::min<double>(work.experts_touched, m.experts);
    ffn_weights_read = d * m.experts + (touched + m.shared_experts) * expert;
  } else {
    ffn_flops_per_token = 2.0 * 3.0 * d * double(m.dense_ff);
    ffn_weights_read = 3.0 * d * double(m.dense_ff);
  }
  const double attention = attention_weights();
  const double kv = m.kv_bytes_per_token_layer();
  LayerCost cost;
  cost.flops = work.tokens * (2.0 * attention + ffn_flops_per_token) + work.attended * attention_flops_per_pair();
  cost.bytes = (attention + ffn_weights_read) * m.weight_dtype_bytes + (work.kv_tokens_read + work.tokens) * kv;
  const double seconds = std::max(cost.flops / peak_flops(), cost.bytes / gpu_.hbm_Bps) / gpu_.efficiency;
  const double ps = std::ceil(seconds * double(sim::kSecond));
  cost.time = ps >= double(sim::kEndOfTime) ? sim::kEndOfTime : static_cast<sim::Time>(ps);
  return cost;
}

double Roofline::expected_experts(double tokens) const {
  const ModelShape& m = model_;
  if (!m.is_moe()) return 0;
  return m.experts * (1.0 - std::pow(1.0 - double(m.top_k) / m.experts, tokens));
}

sim::Time Roofline::dense_layers(LayerWork work) const {
  if (model_.dense_layers == 0) return 0;
  work.moe = false;
  const double t = double(layer(work).time) * model_.dense_layers;
  return t >= double(sim::kEndOfTime) ? sim::kEndOfTime : static_cast<sim::Time>(t);
}

sim::Time Roofline::all_layers(LayerWork work) const {
  const uint32_t moe_layers = model_.is_moe() ? model_.layers - model_.dense_layers : 0;
  work.moe = true;
  const double moe = moe_layers ? double(layer(work).time) * moe_layers : 0.0;
  work.moe = false;
  const uint32_t dense = model_.is_moe() ? model_.dense_layers : model_.layers;
  const double t = moe + (dense ? double(layer(work).time) * dense : 0.0);
  return t >= double(sim::kEndOfTime) ? sim::kEndOfTime : static_cast<sim::Time>(t);
}

sim::Time Roofline::prefill(uint64_t cached, uint64_t fresh) const {
  if (fresh == 0) return 0;
  LayerWork work;
  const double n = double(fresh), c = double(cached);
  work.tokens = n;
  work.attended = n * c + n * (n + 1) / 2;  // causal: token i attends to c + i keys
  work.kv_tokens_read = c;                   // the cached prefix's KV, read once (flash attention)
  work.experts_touched = expected_experts(n);
  return all_layers(work);
}

sim::Time Roofline::decode_step(uint64_t sequences, uint64_t context_tokens) const {
  if (sequences == 0) return 0;
  LayerWork work;
  work.tokens = double(sequences);
  work.attended = double(context_tokens) + double(sequences);
  work.kv_tokens_read = double(context_tokens);
  work.experts_touched = expected_experts(double(sequences));
  return all_layers(work);
}

}  // namespace tiersim::models
