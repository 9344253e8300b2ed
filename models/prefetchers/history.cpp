// History (Markov): per-layer transition statistics over expert sets, learned online.
// After each step, every expert a layer used is counted as a predecessor of every expert
// the same layer uses in the next step; the prediction for the next step ranks each
// layer's candidates by sum over the current experts e of P(next = c | e), and takes
// `width` per layer (default: as many as the layer used this step). With depth d the
// predicted sets are fed back d - 1 more times (further steps ahead).
#include "sim/config/plugin_parameters.h"
#include "models/prefetchers/prefetcher_registry.h"
#include "models/prefetchers/transition_counts.h"

namespace tiersim::models {

namespace {
// The step's distinct objects, per layer, in order of first use.
std::vector<std::vector<uint64_t>> by_layer(const StepAccesses& step) {
  std::vector<std::vector<uint64_t>> layers;
  for (const traces::Access& a : step) {
    if (a.layer() >= layers.size()) layers.resize(a.layer() + 1);
    std::vector<uint64_t>& l = layers[a.layer()];
    if (std::find(l.begin(), l.end(), a.object) == l.end()) l.push_back(a.object);
  }
  return layers;
}
}  // namespace

class HistoryPrefetcher final : public Prefetcher {
 public:
  HistoryPrefetcher(const ConfigNode* parameters, uint32_t depth) : depth_(depth) {
    const Parameters p(parameters, {"width"});
    width_ = static_cast<uint32_t>(p.count("width", 0, 0, 1 << 20));
  }

  void after_step(const StepAccesses& step, const std::deque<StepAccesses>&, std::vector<uint64_t>& wanted) override {
    std::vector<std::vector<uint64_t>> current = by_layer(step);
    for (size_t l = 0; l < current.size() && l < previous_.size(); ++l) {
      for (uint64_t from : previous_[l])
        for (uint64_t to : current[l]) transitions_.observe(from, to);
    }
    previous_ = current;
    for (uint32_t d = 0; d < depth_; ++d) {
      std::vector<std::vector<uint64_t>> next(current.size());
      for (size_t l = 0; l < current.size(); ++l) {
        const uint32_t width = width_ ? width_ : static_cast<uint32_t>(current[l].size());
        transitions_.predict(current[l], width, next[l]);
        for (uint64_t key : next[l])
          if (std::find(wanted.begin(), wanted.end(), key) == wanted.end()) wanted.push_back(key);
      }
      current = std::move(next);
    }
  }

 private:
  uint32_t depth_;
  uint32_t width_;
  TransitionCounts transitions_;
  std::vector<std::vector<uint64_t>> previous_;
};

TIERSIM_REGISTER_PREFETCHER(HistoryPrefetcher, "history",
                            "per-layer Markov transitions between expert sets, learned online (params: width)");

}  // namespace tiersim::models
