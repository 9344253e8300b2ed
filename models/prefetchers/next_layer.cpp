// Next-layer (as pre-gated MoE does): the experts layer l routes to predict those of layer
// l + 1 in the same step, from co-occurrence statistics learned online (each expert of
// layer l is counted as a predecessor of each expert of layer l + 1). The prediction is
// made as soon as layer l is routed, so its transfers overlap layer l's compute. Takes
// `width` experts (default: as many as layer l used).
#include "sim/config/plugin_parameters.h"
#include "models/prefetchers/prefetcher_registry.h"
#include "models/prefetchers/transition_counts.h"

namespace tiersim::models {

class NextLayerPrefetcher final : public Prefetcher {
 public:
  NextLayerPrefetcher(const ConfigNode* parameters, uint32_t) {
    const Parameters p(parameters, {"width"});
    width_ = static_cast<uint32_t>(p.count("width", 0, 0, 1 << 20));
  }

  void after_step(const StepAccesses& step, const std::deque<StepAccesses>&, std::vector<uint64_t>&) override {
    // Learn layer l -> layer l + 1 co-occurrence from the step just decided.
    for (const traces::Access& a : step) {
      for (const traces::Access& b : step) {
        if (b.layer() == a.layer() + 1) transitions_.observe(a.object, b.object);
      }
    }
  }
  void after_layer(const traces::Access* begin, const traces::Access* end, std::vector<uint64_t>& wanted) override {
    std::vector<uint64_t> layer;
    for (const traces::Access* a = begin; a != end; ++a) layer.push_back(a->object);
    transitions_.predict(layer, width_ ? width_ : static_cast<uint32_t>(layer.size()), wanted);
  }

 private:
  uint32_t width_;
  TransitionCounts transitions_;
};

TIERSIM_REGISTER_PREFETCHER(NextLayerPrefetcher, "next_layer",
                            "layer l's experts predict layer l+1's in the same step (pre-gated MoE; params: width)");

}  // namespace tiersim::models
