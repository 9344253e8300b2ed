#pragma once
// The time a GPU takes for one transformer layer, from the model's shape: a layer takes
//     max(FLOPs / peak, bytes / HBM bandwidth) / efficiency
// with the peak of the weights' dtype (models/compute/gpu_profile.h). Counted per layer:
//  - attention: the projections (2 FLOPs per weight per token; GQA's q, k, v, o, or MLA's
//    down- and up-projections), the core (QK^T and PV: 4 x heads x head_dim FLOPs per
//    attended (query, key) pair; MLA with its RoPE and value widths), its weights read
//    once, the context's KV read and the new tokens' KV written;
//  - feed-forward: a dense layer's three projections, or an MoE layer's router, the
//    routed experts (top_k per token) and the shared ones, whose weights are read once per
//    distinct expert the batch touches.
// Norms, activations' traffic and the LM head are left out (a few percent of a layer).
#include <cstdint>

#include "models/compute/gpu_profile.h"
#include "models/compute/model_shape.h"
#include "sim/engine/time.h"

namespace tiersim::models {

// What one layer processes.
struct LayerWork {
  double tokens = 0;          // new tokens through the layer
  double attended = 0;        // (query, key) pairs attention computes
  double kv_tokens_read = 0;  // context tokens whose KV is read
  double experts_touched = 0; // distinct routed experts whose weights are read (MoE layers)
  bool moe = true;            // an MoE layer (false: one of the model's dense layers)
};

struct LayerCost {
  double flops = 0;
  double bytes = 0;
  sim::Time time = 0;
};

class Roofline {
 public:
  Roofline(ModelShape model, GpuProfile gpu);

  const ModelShape& model() const { return model_; }
  const GpuProfile& gpu() const { return gpu_; }
  // The FLOP/s the weights' dtype runs at.
  double peak_flops() const;

  LayerCost layer(const LayerWork& work) const;

  // Expected distinct experts `tokens` tokens route to, each picking top_k of E at random:
  // E (1 - (1 - k/E)^tokens).
  double expected_experts(double tokens) const;

  // A prefill of `fresh` tokens after `cached` ones (one sequence, causal attention), all
  // layers.
  sim::Time prefill(uint64_t cached, uint64_t fresh) const;
  // One decode step of `sequences` sequences holding `context_tokens` tokens in all, all
  // layers.
  sim::Time decode_step(uint64_t sequences, uint64_t context_tokens) const;
  // The model's leading dense layers for `work` (0 for a model without them).
  sim::Time dense_layers(LayerWork work) const;

 private:
  double attention_weights() const;
  double attention_flops_per_pair() const;
  // All layers: the dense ones and the MoE ones, `work` with `moe` set per kind.
  sim::Time all_layers(LayerWork work) const;

  ModelShape model_;
  GpuProfile gpu_;
};

}  // namespace tiersim::models
