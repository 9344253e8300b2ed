#pragma once
// The GPU and CPU time of a training step's pieces, from the expert's shape and the
// hardware (docs/training.md states every formula):
//  - an expert's forward over t tokens: two GEMMs, 2 x 2 x t x d_model x d_hidden FLOPs,
//    reading its weights and writing its activations, on the roofline
//    max(FLOPs / peak, bytes / HBM bandwidth) / efficiency, plus the kernels it launches;
//  - its backward: twice the forward (the gradients of the inputs and of the weights, each
//    a GEMM of the forward's size), so forward + backward is 6 x t x d_model x d_hidden x 2;
//  - token dispatch: with sort_by_expert the batch is permuted into expert order and back
//    (each expert's tokens contiguous, 3 kernels per expert); without, every used expert
//    scans the batch's routing indices with a boolean mask and gathers and scatters its
//    tokens (x[idx == e]: 7 kernels per expert, the nonzero among them);
//  - the optimizer update of one expert: on the GPU, memory-bound over the weights,
//    gradients, master copy and state it reads and writes; on the host CPU the same bytes
//    at the CPU's memory bandwidth, or its FLOPs at the CPU's rate, whichever is slower.
#include <cstdint>

#include "models/workloads/expert_replay/training/training_spec.h"
#include "sim/engine/time.h"

namespace tiersim::models {

class TrainingCompute {
 public:
  explicit TrainingCompute(const TrainingSpec& spec);

  // One expert's forward over `tokens` of a layer of `batch` tokens, its dispatch included.
  sim::Time forward(uint32_t tokens) const;
  // Its backward; `recompute` adds the forward again (activations not kept).
  sim::Time backward(uint32_t tokens, bool recompute) const;
  sim::Time gpu_update() const { return gpu_update_; }  // one expert's optimizer step on the GPU
  sim::Time cpu_update() const { return cpu_update_; }  // on the host CPU
  // Activations an expert's backward needs from its forward: all of them (input, pre- and
  // post-activation hidden) or only the input (recomputed from it).
  uint64_t activation_bytes(uint32_t tokens, bool full) const {
    const uint64_t per_token = full ? uint64_t{spec_.d_model} + 2ull * spec_.d_hidden : spec_.d_model;
    return uint64_t{tokens} * per_token * spec_.weight_bytes;
  }
  // FLOPs of one expert's forward + backward over `tokens`.
  double train_flops(uint32_t tokens) const;

 private:
  double gemm_seconds(double flops, double bytes) const;
  double dispatch_seconds(uint32_t tokens) const;
  double update_bytes() const;
  sim::Time gpu_update_uncached() const;
  sim::Time cpu_update_uncached() const;

  sim::Time forward_uncached(uint32_t tokens) const;

  const TrainingSpec& spec_;
  double peak_;
  sim::Time gpu_update_ = 0, cpu_update_ = 0;  // constant: worked out once
  // Steps of equal shares ask for the same token count again and again.
  mutable uint32_t cached_tokens_ = UINT32_MAX;
  mutable sim::Time cached_forward_ = 0;
};

}  // namespace tiersim::models
