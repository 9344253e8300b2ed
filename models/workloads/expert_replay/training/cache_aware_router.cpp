#include "models/workloads/expert_replay/training/cache_aware_router.h"

#include <algorithm>
#include <cmath>

#include "sim/engine/random.h"

namespace tiersim::models {

CacheAwareRouter::CacheAwareRouter(const RoutingSpec& spec, uint32_t n_experts, uint64_t seed)
    : spec_(spec), n_experts_(n_experts), seed_(seed) {
  if (n_experts_ > 0 && spec_.candidates > n_experts_) spec_.candidates = n_experts_;
}

bool CacheAwareRouter::candidates_of(const traces::Access& a, const Recorded& recorded) {
  candidates_.clear();
  if (recorded && recorded(a.step, a.object, candidates_)) {
    for (size_t j = 0; j < candidates_.size(); ++j)
      if (candidates_[j].expert == a.expert()) std::swap(candidates_[0], candidates_[j]);
    return true;
  }
  if (n_experts_ == 0) return false;
  const uint32_t layer = a.layer(), expert = a.expert();
  sim::Rng rng(sim::mix64(seed_ ^ sim::mix64((uint64_t{layer} << 32) | expert)));
  candidates_.push_back({expert, 0.0});
  while (candidates_.size() < spec_.candidates) {
    const uint32_t c = static_cast<uint32_t>(rng.below(n_experts_));
    bool seen = false;
    for (const Candidate& k : candidates_) seen = seen || k.expert == c;
    if (!seen) candidates_.push_back({c, -spec_.score_spread * (1.0 - rng.uniform01())});
  }
  double total = 0;
  for (Candidate& k : candidates_) total += (k.score = std::exp(k.score));
  for (Candidate& k : candidates_) k.score /= total;
  return true;
}

void CacheAwareRouter::route(std::vector<traces::Access>& step, const Resident& resident, const Recorded& recorded) {
  routed_.clear();
  size_t first = 0;
  while (first < step.size()) {
    size_t end = first + 1;
    while (end < step.size() && step[end].layer() == step[first].layer()) ++end;
    route_layer(step.data() + first, step.data() + end, resident, recorded);
    first = end;
  }
  step.swap(routed_);
}

void CacheAwareRouter::route_layer(traces::Access* begin, traces::Access* end, const Resident& is_resident,
                                   const Recorded& recorded) {
  const uint32_t layer = begin->layer();
  load_.clear();
  uint64_t tokens = 0;
  for (const traces::Access* a = begin; a != end; ++a) {
    load_.emplace_back(a->expert(), a->tokens);
    tokens += a->tokens;
  }
  const uint64_t capacity = static_cast<uint64_t>(std::ceil(spec_.capacity_factor * double(tokens) / double(end - begin)));
  auto load_of = [&](uint32_t expert) -> uint64_t& {
    for (auto& [e, n] : load_)
      if (e == expert) return n;
    load_.emplace_back(expert, 0);
    return load_.back().second;
  };
  auto resident = [&](uint32_t expert) { return is_resident(traces::Access::object_of(layer, expert)); };
  for (const traces::Access* a = begin; a != end; ++a) {
    const bool have = candidates_of(*a, recorded);  // taken even when unused: a trace hands them over once
    if (!have || resident(a->expert())) continue;
    const double own = candidates_.front().score;
    // Resident candidates that beat the first choice, best adjusted score first.
    std::vector<Candidate>& winners = winners_;
    winners.clear();
    for (size_t j = 1; j < candidates_.size(); ++j) {
      const Candidate& c = candidates_[j];
      if (!resident(c.expert)) continue;
      if (spec_.margin ? c.score >= own - spec_.value : c.score + spec_.value > own) winners.push_back(c);
    }
    std::stable_sort(winners.begin(), winners.end(), [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
    uint64_t left = a->tokens;
    for (const Candidate& c : winners) {
      uint64_t& to = load_of(c.expert);
      const uint64_t take = std::min<uint64_t>(left, to < capacity ? capacity - to : 0);
      if (take == 0) continue;
      to += take;
      load_of(a->expert()) -= take;
      left -= take;
      counts_.rerouted += take;
      counts_.score_given_up += double(take) * (own - c.score);
      if (left == 0) break;
    }
  }
  std::sort(load_.begin(), load_.end());
  uint64_t used = 0, most = 0;
  for (const auto& [expert, n] : load_) {
    if (n == 0) continue;
    traces::Access a = *begin;
    a.object = traces::Access::object_of(layer, expert);
    a.tokens = static_cast<uint32_t>(n);
    routed_.push_back(a);
    ++used;
    most = std::max(most, n);
  }
  counts_.tokens += tokens;
  const double imbalance = tokens ? double(most) * double(used) / double(tokens) : 1.0;
  counts_.imbalance_sum += imbalance;
  counts_.imbalance_max = std::max(counts_.imbalance_max, imbalance);
  ++counts_.layers;
}

}  // namespace tiersim::models
