#pragma once
// Cache-aware routing: before a step is decided, the tokens of each expert a layer routes
// to (its first choice) may move to a candidate expert already resident in the first tier.
// Candidates come from the trace where it gives them (a routing trace's candidates
// column, scores as recorded), else from the score model (when n_experts is known).
// The score model: the tokens routed to expert e in layer l have `candidates` choices, e
// itself (logit 0) and others drawn uniformly from the layer's experts (logits uniform in
// [-score_spread, 0)), fixed per (seed, layer, e) as a trained router's top-m are; scores
// are the softmax of the logits. A resident candidate c wins over a first choice that is
// not resident when
//   additive:  score(c) + value > score(e)
//   margin:    score(c) >= score(e) - value
// best adjusted score first. The load-balance bound: no expert receives re-routed tokens
// beyond ceil(capacity_factor x the layer's tokens / the experts it first chose).
#include <cstdint>
#include <functional>
#include <vector>

#include "models/workloads/expert_replay/training/training_spec.h"
#include "traces/access.h"
#include "traces/trace_reader.h"

namespace tiersim::models {

class CacheAwareRouter {
 public:
  CacheAwareRouter(const RoutingSpec& spec, uint32_t n_experts, uint64_t seed);

  // Whether an object (layer << 32 | expert) is in the first tier.
  using Resident = std::function<bool(uint64_t object)>;
  // The candidates a trace recorded for an access (step, object); false if none.
  using Recorded = std::function<bool(uint64_t step, uint64_t object, std::vector<traces::RouterCandidate>& out)>;
  // Re-routes `step` (one step's accesses with tokens, layer by layer, experts ascending
  // within a layer) in place.
  void route(std::vector<traces::Access>& step, const Resident& resident, const Recorded& recorded = {});

  struct Counts {
    uint64_t tokens = 0, rerouted = 0;
    double score_given_up = 0;  // summed over re-routed tokens
    double imbalance_sum = 0, imbalance_max = 0;  // per layer: max over mean tokens per expert used
    uint64_t layers = 0;
  };
  const Counts& counts() const { return counts_; }

 private:
  using Candidate = traces::RouterCandidate;
  // The access's candidates into candidates_, the first choice first; false if none.
  bool candidates_of(const traces::Access& a, const Recorded& recorded);
  void route_layer(traces::Access* begin, traces::Access* end, const Resident& is_resident, const Recorded& recorded);

  RoutingSpec spec_;
  uint32_t n_experts_;
  uint64_t seed_;
  std::vector<Candidate> candidates_, winners_;
  std::vector<std::pair<uint32_t, uint64_t>> load_;  // (expert, tokens) of the layer
  std::vector<traces::Access> routed_;
  Counts counts_;
};

}  // namespace tiersim::models
