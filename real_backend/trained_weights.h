#pragma once
// The bytes of a trained expert in a real run of a training block: float weights that the
// run initialises, updates with a synthetic gradient and checks, so that anyone can
// recompute the files a run leaves (docs/training.md gives the same definitions):
//   h(a, b, c)    = mix64(mix64(mix64(a) ^ b) ^ c), mix64 the splitmix64 finalizer
//                   (add 0x9e3779b97f4a7c15, then the two xor-shift-multiply rounds)
//   u(x)          = (x >> 40) * 2^-23 - 1, an fp32 value in [-1, 1)
//   initial w[i]  = u(h(seed, key, i)) * 2^-4
//   gradient g[i] at step s = u(h(seed ^ (s + 1) * 0x9e3779b97f4a7c15, key, i))
// where key = (layer << 32) | expert and i counts parameters. Every operation is one fp32
// operation, rounded (no fused multiply-add):
//   SGD        w = w - lr * g
//   momentum   m = 0.9 * m + g;  w = w - lr * m
//   Adam       m = 0.9 * m + 0.1 * g;  v = 0.999 * v + 0.001 * (g * g);
//              w = w - lr * ((m / c1) / (sqrt(v / c2) + 1e-8)),
//              c1 = fp32(1 - 0.9^t), c2 = fp32(1 - 0.999^t) in double, t the expert's update count
// with bf16 weights the update runs on the fp32 master copy and w = bf16(master), rounded to
// nearest even. Layout of one object: weights, master copy, state tensors (m, then v), each
// params long, zeros to the end.
#include <cstdint>

#include "models/workloads/expert_replay/training/training_spec.h"

namespace tiersim::real {

class TrainedWeights {
 public:
  // `object_bytes`: the object's size as run (scaled); the parameters are those that fit.
  TrainedWeights(const models::TrainingSpec& spec, uint64_t object_bytes, uint64_t seed);

  // Why the real backend cannot update this spec's bytes (empty when it can).
  static std::string unsupported(const models::TrainingSpec& spec);

  void initial(void* object, uint64_t key) const;
  // Update `t` (1 for the expert's first) at step `step`, in place.
  void update(void* object, uint64_t key, uint64_t step, uint64_t t) const;
  uint64_t params() const { return params_; }

 private:
  const models::TrainingSpec& spec_;
  uint64_t object_bytes_, seed_, params_;
};

}  // namespace tiersim::real
