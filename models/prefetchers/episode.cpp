// Episode-aware: keeps the recent window's working set staged. Routing in an episode
// (one environment, one task) keeps returning to the same experts, so the experts used in
// the last `depth` steps are the best guess for the next; most recently used first.
#include <algorithm>

#include "sim/config/plugin_parameters.h"
#include "models/prefetchers/prefetcher_registry.h"
#include "sim/containers/flat_map.h"

namespace tiersim::models {

class EpisodePrefetcher final : public Prefetcher {
 public:
  EpisodePrefetcher(const ConfigNode* parameters, uint32_t depth) : window_(depth) { Parameters(parameters, {}); }

  void after_step(const StepAccesses& step, const std::deque<StepAccesses>&, std::vector<uint64_t>& wanted) override {
    recent_.push_back(step);
    while (recent_.size() > window_) recent_.pop_front();
    sim::FlatMap<uint8_t> seen;
    for (auto s = recent_.rbegin(); s != recent_.rend(); ++s) {
      for (const traces::Access& a : *s) {
        uint8_t& mark = seen.find_or_insert(a.object, 0);
        if (mark == 0) wanted.push_back(a.object);
        mark = 1;
      }
    }
  }

 private:
  uint32_t window_;
  std::deque<StepAccesses> recent_;
};

TIERSIM_REGISTER_PREFETCHER(EpisodePrefetcher, "episode", "the experts of the last `depth` steps (the episode's working set)");

}  // namespace tiersim::models
