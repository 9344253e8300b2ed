// zipf: every step routes each layer to experts_per_step distinct experts drawn by
// popularity rank from Zipf(zipf_alpha) over n_experts (rank r has weight r^-alpha;
// alpha 0 is uniform). Expert = (rank - 1 + layer offset) mod n_experts.
// Sampling is Hörmann and Derflinger's rejection-inversion: O(1) memory and time per
// draw for any n, so a million-object Zipf trace needs no table.
#include <cmath>

#include "sim/containers/flat_map.h"
#include "sim/engine/random.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

namespace {

class ZipfDistribution {
 public:
  ZipfDistribution(uint64_t n, double exponent) : n_(n), s_(exponent) {
    h_integral_x1_ = h_integral(1.5) - 1.0;
    h_integral_n_ = h_integral(static_cast<double>(n_) + 0.5);
    threshold_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
  }

  // A rank in [1, n].
  uint64_t sample(sim::Rng& rng) const {
    for (;;) {
      const double u = h_integral_n_ + rng.uniform01() * (h_integral_x1_ - h_integral_n_);
      const double x = h_integral_inverse(u);
      double k = std::floor(x + 0.5);
      if (k < 1) k = 1;
      if (k > static_cast<double>(n_)) k = static_cast<double>(n_);
      if (k - x <= threshold_ || u >= h_integral(k + 0.5) - h(k)) return static_cast<uint64_t>(k);
    }
  }

 private:
  double h(double x) const { return std::exp(-s_ * std::log(x)); }
  double h_integral(double x) const {
    const double log_x = std::log(x);
    return helper2((1.0 - s_) * log_x) * log_x;
  }
  double h_integral_inverse(double x) const {
    double t = x * (1.0 - s_);
    if (t < -1.0) t = -1.0;
    return std::exp(helper1(t) * x);
  }
  static double helper1(double x) {  // log1p(x) / x, stable near 0
    return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
  }
  static double helper2(double x) {  // expm1(x) / x, stable near 0
    return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
  }

  uint64_t n_;
  double s_;
  double h_integral_x1_, h_integral_n_, threshold_;
};

}  // namespace

class ZipfSampler final : public Sampler {
 public:
  explicit ZipfSampler(const GeneratorSpec& spec)
      : spec_(spec), zipf_(spec.n_experts, spec.parameter("zipf_alpha")), rng_(sim::Rng::derive(spec.seed, 2)), noise_(spec.parameter("noise")) {}

  void begin_step(uint64_t) override {}

  void sample_layer(uint32_t layer, std::vector<uint32_t>& experts) override {
    experts.clear();
    chosen_.clear();
    const uint64_t n = spec_.n_experts;
    const uint32_t offset = layer_offset(spec_.seed, layer, spec_.n_experts);
    // Draw until experts_per_step distinct ranks; heavy skew with many picks could make
    // that slow, so after a bounded number of draws fill with the most popular unused ranks.
    const uint64_t max_draws = 64ull * spec_.experts_per_step + 64;
    for (uint64_t draws = 0; chosen_.size() < spec_.experts_per_step && draws < max_draws; ++draws) {
      uint64_t rank;
      if (noise_ > 0 && rng_.uniform01() < noise_) {
        rank = rng_.below(n) + 1;
      } else {
        rank = zipf_.sample(rng_);
      }
      chosen_.find_or_insert(rank, 1);
    }
    for (uint64_t rank = 1; chosen_.size() < spec_.experts_per_step; ++rank)
      chosen_.find_or_insert(rank, 1);
    chosen_.for_each([&](uint64_t rank, uint8_t) { experts.push_back(static_cast<uint32_t>((rank - 1 + offset) % n)); });
    sort_unique(experts);
  }

 private:
  GeneratorSpec spec_;
  ZipfDistribution zipf_;
  sim::Rng rng_;
  double noise_;
  sim::FlatMap<uint8_t> chosen_;
};

TIERSIM_REGISTER_SAMPLER(ZipfSampler, "zipf", "experts_per_step distinct experts per layer by Zipf(zipf_alpha) popularity",
                         {{"zipf_alpha", 1.0, 0.0, 100.0, false, "popularity skew (0: uniform)"},
                          {"noise", 0.0, 0.0, 1.0, false, "fraction of picks drawn uniformly instead"}});

}  // namespace tiersim::traces
