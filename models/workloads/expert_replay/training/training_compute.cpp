#include "models/workloads/expert_replay/training/training_compute.h"

#include <algorithm>

namespace tiersim::models {

namespace {
sim::Time from_seconds(double s) {
  const double ps = s * 1e12 + 0.5;
  return ps >= 9.2e18 ? sim::kEndOfTime : static_cast<sim::Time>(ps);
}
constexpr double kIndexBytes = 8;  // the router's int64 expert index per token
}  // namespace

TrainingCompute::TrainingCompute(const TrainingSpec& spec)
    : spec_(spec), peak_(spec.weight_bytes < 4 ? spec.gpu.bf16_flops : spec.gpu.fp32_flops) {
  if (!(peak_ > 0)) peak_ = spec.gpu.bf16_flops;
  gpu_update_ = gpu_update_uncached();
  cpu_update_ = cpu_update_uncached();
}

double TrainingCompute::gemm_seconds(double flops, double bytes) const {
  return std::max(flops / peak_, bytes / spec_.gpu.hbm_Bps) / spec_.gpu.efficiency;
}

double TrainingCompute::dispatch_seconds(uint32_t tokens) const {
  const double moved = 4.0 * tokens * spec_.d_model * spec_.weight_bytes;  // gather in, scatter out: read + write each
  const double scanned = spec_.sort_by_expert ? 0.0 : double(spec_.batch_size) * kIndexBytes;
  const double kernels = spec_.sort_by_expert ? 3 : 7;
  return (moved + scanned) / spec_.gpu.hbm_Bps + kernels * sim::to_seconds(spec_.kernel_overhead);
}

sim::Time TrainingCompute::forward(uint32_t tokens) const {
  if (tokens != cached_tokens_) {
    cached_forward_ = forward_uncached(tokens);
    cached_tokens_ = tokens;
  }
  return cached_forward_;
}

sim::Time TrainingCompute::forward_uncached(uint32_t tokens) const {
  const double t = tokens, d = spec_.d_model, h = spec_.d_hidden;
  const double flops = 4.0 * t * d * h;
  const double bytes = double(spec_.weights()) + (2.0 * t * d + 2.0 * t * h) * spec_.weight_bytes;
  return from_seconds(gemm_seconds(flops, bytes) + dispatch_seconds(tokens));
}

sim::Time TrainingCompute::backward(uint32_t tokens, bool recompute) const {
  const sim::Time f = forward(tokens);
  return sim::saturating_add(sim::saturating_add(f, f), recompute ? f : 0);
}

double TrainingCompute::update_bytes() const {
  const OptimizerSpec& o = spec_.optimizer;
  // Reads gradients, weights, master and states; writes weights, master and states.
  const double per_param = o.grad_bytes + 2.0 * spec_.weight_bytes + 2.0 * o.master_bytes + 2.0 * o.states() * o.state_bytes;
  return per_param * double(spec_.params());
}

sim::Time TrainingCompute::gpu_update_uncached() const {
  const double flops = spec_.optimizer.flops_per_param() * double(spec_.params());
  const double s = std::max(flops / spec_.gpu.fp32_flops, update_bytes() / spec_.gpu.hbm_Bps) / spec_.gpu.efficiency;
  return from_seconds(s + sim::to_seconds(spec_.kernel_overhead));
}

sim::Time TrainingCompute::cpu_update_uncached() const {
  const double flops = spec_.optimizer.flops_per_param() * double(spec_.params());
  return from_seconds(std::max(flops / spec_.cpu.flops, update_bytes() / spec_.cpu.memory_Bps));
}

double TrainingCompute::train_flops(uint32_t tokens) const {
  return 6.0 * tokens * double(spec_.d_model) * double(spec_.d_hidden) * 2.0;
}

}  // namespace tiersim::models
