#pragma once
// The training workload of the MoE prototype's train.py (config key "workload.training" of
// an expert replay; docs/training.md is the reference):
//   batch_size       tokens a step draws (default 1024)
//   envs_per_batch   environments they come from, each an equal share (default 1)
//   d_model, d_hidden  the expert FFN: w1 [d_hidden x d_model], b1, w2 [d_model x d_hidden], b2
//   dtype            "fp32" (default) | "bf16" weights (bf16 keeps an fp32 master copy)
//   lr               the SGD learning rate (default 1e-2; the real backend applies it)
//   sort_by_expert   tokens grouped per expert, one GEMM each (default false: a boolean
//                    mask per used expert, as x[idx == e])
//   kernel_overhead  launch cost of one GPU kernel ("4 us")
//   gpu              the GPU profile (models/compute/gpu_profile.h; default "h100_sxm")
//   cpu              {"flops": FLOP/s, "memory_bandwidth": "200 GB/s"}: the host CPU that runs
//                    an offloaded optimizer (default: the hardware profile's "cpu", else a
//                    nominal two-socket server)
//   optimizer        {"type": "none|momentum|adam", "placement": "hbm|dram|nvme",
//                     "state_bytes": 4, "master_bytes": 4 with bf16 else 0, "grad_bytes":
//                     the weights'}
//   evict_safe       false | true | {"activations": "recompute|keep", "activation_budget": "2 GiB"}
//   routing          {"type": "top1|cache_aware", "candidates": 4, "bias": "additive|margin",
//                     "value": 0.1, "capacity_factor": 1.25, "score_spread": 2,
//                     "compare": true, "n_experts": for a recorded trace}
#include <cstdint>
#include <string>

#include "models/compute/gpu_profile.h"
#include "sim/engine/time.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct OptimizerSpec {
  enum class Kind { kNone, kMomentum, kAdam };
  // Where the optimizer state (and the fp32 master copy) lives and the update runs: with
  // the expert on the GPU, in host memory (ZeRO-Offload) or on NVMe (ZeRO-Infinity).
  enum class Placement { kHbm, kDram, kNvme };
  Kind kind = Kind::kNone;
  Placement placement = Placement::kHbm;
  uint32_t state_bytes = 4;   // per parameter, per state tensor
  uint32_t master_bytes = 0;  // per parameter
  uint32_t grad_bytes = 4;    // per parameter
  uint32_t states() const { return kind == Kind::kAdam ? 2 : kind == Kind::kMomentum ? 1 : 0; }
  // FLOPs of one parameter's update: SGD 2, momentum 4, Adam 12 (moments, bias
  // correction, square root, division).
  double flops_per_param() const { return kind == Kind::kAdam ? 12 : kind == Kind::kMomentum ? 4 : 2; }
  // The tier the placement names: 0, 1 or 2.
  uint32_t tier() const { return static_cast<uint32_t>(placement); }
};

struct EvictSafeSpec {
  bool enabled = false;
  // An expert's backward needs its forward's activations: kept (counted against the budget,
  // past which the rest are recomputed) or recomputed from the layer input (checkpointing).
  bool keep_activations = false;
  uint64_t activation_budget = UINT64_MAX;
};

struct RoutingSpec {
  bool cache_aware = false;
  uint32_t candidates = 4;      // top-m experts per token
  bool margin = false;          // "margin": a resident candidate wins within `value` of the top score
  double value = 0.1;           // the additive bias, or the margin (in router probability)
  double capacity_factor = 1.25;
  double score_spread = 2.0;    // the others' logits lie uniformly in [-spread, 0) below the own expert's 0
  bool compare = true;          // replay again with top-1 routing to report the gain
  uint32_t n_experts = 0;       // the experts the score model draws from (0: the generator's, or none for a trace)
};

struct CpuProfile {
  double flops = 2e12;            // FLOP/s the optimizer's vector code reaches
  double memory_Bps = 200e9;      // host memory bandwidth
  std::string source = "nominal two-socket server (tiersim default)";
};

struct TrainingSpec {
  uint32_t batch_size = 1024;
  uint32_t envs_per_batch = 1;
  uint32_t d_model = 128, d_hidden = 512;
  uint32_t weight_bytes = 4;      // per parameter: fp32 4, bf16 2
  double lr = 1e-2;
  bool sort_by_expert = false;
  sim::Time kernel_overhead = 4'000'000;  // 4 us
  GpuProfile gpu;
  CpuProfile cpu;
  OptimizerSpec optimizer;
  EvictSafeSpec evict_safe;
  RoutingSpec routing;

  // Parameters of one expert: w1, b1, w2, b2.
  uint64_t params() const { return 2ull * d_model * d_hidden + d_hidden + d_model; }
  uint64_t weights() const { return params() * weight_bytes; }
  // What the optimizer keeps per expert: the master copy and the state tensors.
  uint64_t optimizer_state() const { return params() * (optimizer.master_bytes + uint64_t{optimizer.states()} * optimizer.state_bytes); }
  uint64_t gradients() const { return params() * optimizer.grad_bytes; }
  // What moves through the tiers as one object: the weights, and the optimizer state
  // when it lives with the expert on the GPU.
  uint64_t object_bytes() const { return weights() + (optimizer.placement == OptimizerSpec::Placement::kHbm ? optimizer_state() : 0); }
};

// Reads workload.training; `hardware_cpu` is the hardware profile's CPU, if it has one.
TrainingSpec parse_training(const ConfigNode& node, const CpuProfile* hardware_cpu);

const char* placement_name(OptimizerSpec::Placement placement);
const char* optimizer_name(OptimizerSpec::Kind kind);

}  // namespace tiersim::models
