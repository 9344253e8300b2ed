// Oracle: the objects of the next `depth` steps of the trace, in the order they will be
// needed. It reads the future, so it is the upper bound of what prefetching can do.
#include "sim/config/plugin_parameters.h"
#include "models/prefetchers/prefetcher_registry.h"
#include "sim/containers/flat_map.h"

namespace tiersim::models {

class OraclePrefetcher final : public Prefetcher {
 public:
  OraclePrefetcher(const ConfigNode* parameters, uint32_t depth) : depth_(depth) { Parameters(parameters, {}); }

  uint32_t lookahead_steps() const override { return depth_; }
  void after_step(const StepAccesses&, const std::deque<StepAccesses>& future, std::vector<uint64_t>& wanted) override {
    sim::FlatMap<uint8_t> seen;
    for (const StepAccesses& step : future) {
      for (const traces::Access& a : step) {
        uint8_t& s = seen.find_or_insert(a.object, 0);
        if (s == 0) wanted.push_back(a.object);
        s = 1;
      }
    }
  }

 private:
  uint32_t depth_;
};

TIERSIM_REGISTER_PREFETCHER(OraclePrefetcher, "oracle", "the experts of the next `depth` steps of the trace (upper bound)");

}  // namespace tiersim::models
