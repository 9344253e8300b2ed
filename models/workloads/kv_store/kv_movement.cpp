#include "models/workloads/kv_store/kv_movement.h"

#include "sim/config/config_node.h"

namespace tiersim::models {

MovementSpec parse_movement(const ConfigNode& node) {
  MovementSpec m;
  node.allow_only({"mode", "controller", "by", "min_uses", "scan_interval", "bandwidth"});
  // The daemon's keys may stay beside "passive" or the driver: a switch of mode is one edit.
  if (node.at("mode").as_enum({"passive", "proactive"}) == "passive") return m;
  const std::string controller = node.at("controller").as_enum({"driver", "daemon"});
  m.mode = controller == "driver" ? MovementSpec::Mode::kDriver : MovementSpec::Mode::kDaemon;
  if (auto by = node.find("by")) m.value = by->as_enum({"frequency", "ttl"}) == "ttl" ? MovementSpec::Value::kTtl : MovementSpec::Value::kFrequency;
  m.min_uses = static_cast<uint32_t>(node.uint_or("min_uses", m.min_uses, 1, 1u << 30));
  m.scan_interval = node.duration_or("scan_interval", m.scan_interval);
  if (m.scan_interval <= 0) node.at("scan_interval").fail("expected a duration > 0");
  if (auto bandwidth = node.find("bandwidth")) m.bandwidth_Bps = static_cast<double>(bandwidth->as_bandwidth_Bps());
  return m;
}

void KvMovement::forget(uint64_t key) {
  uses_.erase(key);
  drop_candidate(key);
}

void KvMovement::set_candidate(uint64_t key, const Rank& rank) {
  drop_candidate(key);
  if (spec_.value == MovementSpec::Value::kFrequency && uses(key) < spec_.min_uses) return;
  candidates_.insert(rank);
  candidate_rank_.find_or_insert(key, rank) = rank;
}

void KvMovement::drop_candidate(uint64_t key) {
  if (const Rank* r = candidate_rank_.find(key)) {
    candidates_.erase(*r);
    candidate_rank_.erase(key);
  }
}

}  // namespace tiersim::models
