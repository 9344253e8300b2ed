#include "real_backend/trained_weights.h"

#include <cmath>
#include <cstring>

#include "sim/engine/random.h"

namespace tiersim::real {

namespace {

uint64_t hash3(uint64_t a, uint64_t b, uint64_t c) { return sim::mix64(sim::mix64(sim::mix64(a) ^ b) ^ c); }
float unit(uint64_t x) { return static_cast<float>(x >> 40) * 0x1p-23f - 1.0f; }

uint16_t to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fff + ((bits >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}
float from_bf16(uint16_t h) {
  const uint32_t bits = uint32_t{h} << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float load(const char* p) {
  float f;
  std::memcpy(&f, p, 4);
  return f;
}
void store(char* p, float f) { std::memcpy(p, &f, 4); }

uint64_t per_param(const models::TrainingSpec& spec) {
  return spec.weight_bytes + spec.optimizer.master_bytes + uint64_t{spec.optimizer.states()} * spec.optimizer.state_bytes;
}

}  // namespace

TrainedWeights::TrainedWeights(const models::TrainingSpec& spec, uint64_t object_bytes, uint64_t seed)
    : spec_(spec), object_bytes_(object_bytes), seed_(seed),
      params_(std::min<uint64_t>(spec.params(), object_bytes / per_param(spec))) {}

std::string TrainedWeights::unsupported(const models::TrainingSpec& spec) {
  const models::OptimizerSpec& o = spec.optimizer;
  if (o.placement != models::OptimizerSpec::Placement::kHbm) {
    return "the real backend updates experts where they sit on the GPU (placement hbm); an offloaded optimizer's transfers "
           "and CPU update are simulated only";
  }
  if (o.states() > 0 && o.state_bytes != 4) return "the real backend keeps fp32 optimizer state (state_bytes 4)";
  if (o.master_bytes != 0 && o.master_bytes != 4) return "the real backend keeps an fp32 master copy (master_bytes 4) or none";
  return {};
}

void TrainedWeights::initial(void* object, uint64_t key) const {
  char* bytes = static_cast<char*>(object);
  std::memset(bytes, 0, object_bytes_);
  const uint64_t master = params_ * spec_.weight_bytes;
  for (uint64_t i = 0; i < params_; ++i) {
    const float w = unit(hash3(seed_, key, i)) * 0x1p-4f;
    if (spec_.weight_bytes == 4) {
      store(bytes + 4 * i, w);
    } else {
      const uint16_t h = to_bf16(w);
      std::memcpy(bytes + 2 * i, &h, 2);
    }
    if (spec_.optimizer.master_bytes == 4) store(bytes + master + 4 * i, w);
  }
}

void TrainedWeights::update(void* object, uint64_t key, uint64_t step, uint64_t t) const {
  char* bytes = static_cast<char*>(object);
  const models::OptimizerSpec& o = spec_.optimizer;
  const bool has_master = o.master_bytes == 4;
  const uint64_t master = params_ * spec_.weight_bytes;
  const uint64_t m_at = master + params_ * o.master_bytes, v_at = m_at + params_ * 4;
  const float lr = static_cast<float>(spec_.lr);
  const float c1 = static_cast<float>(1.0 - std::pow(0.9, static_cast<double>(t)));
  const float c2 = static_cast<float>(1.0 - std::pow(0.999, static_cast<double>(t)));
  const uint64_t gradient_seed = seed_ ^ ((step + 1) * 0x9e3779b97f4a7c15ull);
  for (uint64_t i = 0; i < params_; ++i) {
    const float g = unit(hash3(gradient_seed, key, i));
    char* wp = has_master ? bytes + master + 4 * i : bytes + spec_.weight_bytes * i;
    float w = has_master || spec_.weight_bytes == 4 ? load(wp) : [&] {
      uint16_t h;
      std::memcpy(&h, wp, 2);
      return from_bf16(h);
    }();
    if (o.kind == models::OptimizerSpec::Kind::kNone) {
      w = w - lr * g;
    } else if (o.kind == models::OptimizerSpec::Kind::kMomentum) {
      const float m = 0.9f * load(bytes + m_at + 4 * i) + g;
      store(bytes + m_at + 4 * i, m);
      w = w - lr * m;
    } else {
      const float m = 0.9f * load(bytes + m_at + 4 * i) + 0.1f * g;
      const float v = 0.999f * load(bytes + v_at + 4 * i) + 0.001f * (g * g);
      store(bytes + m_at + 4 * i, m);
      store(bytes + v_at + 4 * i, v);
      w = w - lr * ((m / c1) / (std::sqrt(v / c2) + 1e-8f));
    }
    if (has_master) store(wp, w);
    if (spec_.weight_bytes == 4) {
      store(bytes + 4 * i, w);
    } else {
      const uint16_t h = to_bf16(w);
      std::memcpy(bytes + 2 * i, &h, 2);
    }
  }
}

}  // namespace tiersim::real
