#include "models/workloads/expert_replay/warm_tier.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "models/tiers/topology.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"

namespace tiersim::models {

WarmTierSpec parse_warm_tier(const ConfigNode& node) {
  node.allow_only({"promotion", "demote", "versions", "integrity"});
  WarmTierSpec spec;
  spec.enabled = true;
  spec.path = node.source() + ": " + node.path();
  if (auto promotion = node.find("promotion")) {
    promotion->allow_only({"threshold", "window", "half_life"});
    spec.threshold = promotion->double_or("threshold", 1.0, 0.0, 1e9);
    if (promotion->has("window") && promotion->has("half_life")) {
      promotion->fail("give either \"window\" (count activations over that many steps) or \"half_life\" (decayed), not both");
    }
    spec.window = promotion->uint_or("window", 0, 1);
    spec.half_life = promotion->double_or("half_life", 0.0, 1e-9, 1e18);
    if (spec.window > 0 && spec.threshold > 1024) {
      promotion->at("threshold").fail("window counting supports thresholds up to 1024 activations");
    }
  }
  spec.demote = node.bool_or("demote", true);
  if (auto versions = node.find("versions")) {
    versions->allow_only({"publish_every", "experts"});
    spec.publish_every = versions->uint_or("publish_every", 0, 1);
    spec.publish_experts = versions->uint_or("experts", 1, 1);
  }
  if (auto integrity = node.find("integrity")) {
    integrity->allow_only({"corrupt_probability", "retries", "replica", "replicas", "on_unavailable"});
    if (auto p = integrity->find("corrupt_probability")) {
      if (!p->is_object()) p->fail("expected an object of tier name -> probability, e.g. {\"disk\": 0.01}");
      for (const auto& [tier, value] : p->raw().items()) {
        spec.corrupt_by_name.emplace_back(tier, p->at(tier).as_double(0.0, 1.0));
      }
    }
    spec.retries = static_cast<uint32_t>(integrity->uint_or("retries", 2, 0, 1000));
    spec.replica = integrity->string_or("replica", "");
    spec.replicas = static_cast<uint32_t>(integrity->uint_or("replicas", 1, 0, 64));
    const std::string on = integrity->find("on_unavailable") ? integrity->at("on_unavailable").as_enum({"skip", "wait", "fail"})
                                                             : "skip";
    spec.on_unavailable = on == "wait"   ? WarmTierSpec::OnUnavailable::kWait
                          : on == "fail" ? WarmTierSpec::OnUnavailable::kFail
                                         : WarmTierSpec::OnUnavailable::kSkip;
  }
  return spec;
}

WarmTier::WarmTier(const WarmTierSpec& spec, const Topology& topology, uint64_t seed)
    : spec_(spec), rng_(sim::Rng::derive(seed, 0x57a23)) {
  if (topology.tier_count() < 3) {
    throw InputError(spec_.path + ": the warm-tier protocol needs a hot tier, a warm tier and a backing store (3 tiers or more)");
  }
  if (topology.link_between(1, 0) == kNoLink) {
    throw InputError(spec_.path + ": the warm tier (\"" + topology.tier(1).name() + "\") needs a link to the hot tier (\"" +
                     topology.tier(0).name() + "\")");
  }
  spec_.corrupt_probability.assign(topology.tier_count(), 0.0);
  for (const auto& [name, p] : spec_.corrupt_by_name) {
    const uint32_t t = topology.tier_index(name);
    if (t == UINT32_MAX) throw InputError(spec_.path + ".integrity.corrupt_probability: no tier named \"" + name + "\"");
    spec_.corrupt_probability[t] = p;
  }
  if (!spec_.replica.empty()) {
    spec_.replica_tier = topology.tier_index(spec_.replica);
    if (spec_.replica_tier == UINT32_MAX) {
      throw InputError(spec_.path + ".integrity.replica: no tier named \"" + spec_.replica + "\"");
    }
  }
  if (spec_.on_unavailable == WarmTierSpec::OnUnavailable::kWait) {
    for (size_t t = 0; t < spec_.corrupt_probability.size(); ++t) {
      if (spec_.corrupt_probability[t] >= 1.0) {
        throw InputError(spec_.path + ".integrity: on_unavailable \"wait\" never ends when reads of \"" +
                         topology.tier(t).name() + "\" always fail (corrupt_probability 1)");
      }
    }
  }
}

WarmTier::Meta& WarmTier::meta(uint64_t key) {
  uint32_t& i = index_.find_or_insert(key, static_cast<uint32_t>(meta_.size()));
  if (i == meta_.size()) {
    meta_.emplace_back();
    keys_.push_back(key);
  }
  return meta_[i];
}

bool WarmTier::activate(uint64_t key, uint64_t step) {
  Meta& m = meta(key);
  bool hot;
  if (spec_.window > 0) {
    // Keep the last ceil(threshold) activation steps; hot when they all fall in the window.
    const uint32_t needed = static_cast<uint32_t>(std::max(1.0, std::ceil(spec_.threshold)));
    if (m.recent_steps.size() < needed) {
      m.recent_steps.push_back(step);
    } else {
      m.recent_steps[m.ring_next] = step;
      m.ring_next = (m.ring_next + 1) % needed;
    }
    uint32_t in_window = 0;
    for (uint64_t s : m.recent_steps) in_window += step - s < spec_.window ? 1 : 0;
    m.score = in_window;
    hot = in_window >= spec_.threshold;
  } else if (spec_.half_life > 0) {
    const double elapsed = static_cast<double>(step - m.last_access_step);
    m.score = m.score * std::exp2(-elapsed / spec_.half_life) + 1.0;
    hot = m.score >= spec_.threshold;
  } else {
    m.score += 1.0;
    hot = m.score >= spec_.threshold;
  }
  m.last_access_step = step;
  return hot;
}

void WarmTier::begin_step(uint64_t step) {
  if (spec_.publish_every == 0 || step == 0 || step % spec_.publish_every != 0 || keys_.empty()) return;
  for (uint64_t i = 0; i < spec_.publish_experts; ++i) {
    ++meta_[*index_.find(keys_[rng_.below(keys_.size())])].disk_version;
    ++counts.versions_published;
  }
}

uint64_t WarmTier::disk_version(uint64_t key) const {
  const uint32_t* i = index_.find(key);
  return i ? meta_[*i].disk_version : 0;
}

uint64_t WarmTier::warm_version(uint64_t key) const {
  const uint32_t* i = index_.find(key);
  return i ? meta_[*i].warm_version : 0;
}

void WarmTier::set_warm_version(uint64_t key, uint64_t version) { meta(key).warm_version = version; }

void WarmTier::set_hint(uint64_t key, bool hot) { meta(key).hint_hot = hot; }

bool WarmTier::corrupted_read(uint32_t tier) {
  const double p = spec_.corrupt_probability[tier];
  if (p <= 0.0) return false;
  const bool bad = rng_.uniform01() < p;
  counts.corrupted_reads += bad ? 1 : 0;
  return bad;
}

void WarmTier::mark_unavailable(uint64_t key, uint64_t step, uint32_t layer, uint32_t expert) {
  unavailable_.insert(key, 1);
  ++counts.unavailable_experts;
  log_ += "step " + std::to_string(step) + ": expert " + std::to_string(expert) + " of layer " + std::to_string(layer) +
          " unavailable: " + std::to_string(spec_.retries + 1) + " corrupted reads" +
          (spec_.replica.empty() ? ", no replica" : "") + "\n";
}

}  // namespace tiersim::models
