#include "models/policies/partitioned_policy.h"

#include <stdexcept>
#include <string>

#include "sim/errors.h"

namespace tiersim::models {

PartitionedPolicy::PartitionedPolicy(std::function<std::unique_ptr<EvictionPolicy>()> make, uint64_t units, bool in_bytes)
    : make_(std::move(make)), units_(units), in_bytes_(in_bytes) {
  const std::unique_ptr<EvictionPolicy> probe = make_();
  offline_ = probe->offline();
  expires_ = probe->expires();
}

PartitionedPolicy::Part& PartitionedPolicy::part(uint32_t index) {
  if (index >= parts_.size()) {
    if (index >= kMaxParts) {
      throw InputError("object " + std::to_string(uint64_t{index} << 32) + " is in layer " + std::to_string(index) +
                       ": a tier partitioned by layer takes at most " + std::to_string(kMaxParts) +
                       " layers (an expert trace's (layer << 32) | expert ids; this trace's ids are not)");
    }
    parts_.resize(index + 1);
  }
  Part& p = parts_[index];
  if (!p.policy) {
    p.policy = make_();
    p.policy->set_capacity(units_, in_bytes_);
  }
  return p;
}

void PartitionedPolicy::on_miss(const ObjectInfo& object) {
  incoming_ = part_of(object.key);
  part(incoming_).policy->on_miss(object);
}

bool PartitionedPolicy::has_room(uint64_t size_bytes) const {
  if (incoming_ >= parts_.size()) return true;
  const Part& p = parts_[incoming_];
  return in_bytes_ ? p.used + size_bytes <= units_ : p.count < units_;
}

void PartitionedPolicy::on_insert(Slot slot, const ObjectInfo& object) {
  const uint32_t index = part_of(object.key);
  Part& p = part(index);
  Slot local;
  if (!p.free.empty()) {
    local = p.free.back();
    p.free.pop_back();
  } else {
    local = static_cast<Slot>(p.cache_slot.size());
    p.cache_slot.push_back(kNoSlot);
    p.policy->resize(static_cast<uint32_t>(p.cache_slot.size()));
  }
  p.cache_slot[local] = slot;
  if (slot >= cache_part_.size()) cache_part_.resize(slot + 1, {kNoPart, 0, 0});
  const uint64_t units = in_bytes_ ? object.size_bytes : 1;
  cache_part_[slot] = {index, local, units};
  p.used += units;
  ++p.count;
  p.policy->on_insert(local, object);
}

void PartitionedPolicy::on_hit(Slot slot, const ObjectInfo& object) {
  const Where w = cache_part_[slot];
  parts_[w.part].policy->on_hit(w.slot, object);
}

void PartitionedPolicy::on_remove(Slot slot) {
  const Where w = cache_part_[slot];
  Part& p = parts_[w.part];
  p.policy->on_remove(w.slot);
  p.free.push_back(w.slot);
  p.cache_slot[w.slot] = kNoSlot;
  --p.count;
  p.used -= w.units;
  cache_part_[slot] = {kNoPart, 0, 0};
}

bool PartitionedPolicy::expired(Slot slot, int64_t now) const {
  const Where w = cache_part_[slot];
  return parts_[w.part].policy->expired(w.slot, now);
}

Slot PartitionedPolicy::victim(const EvictionGuard& guard) {
  if (incoming_ >= parts_.size()) return kNoSlot;
  Part& p = parts_[incoming_];
  EvictionGuard local = guard;
  local.to_cache_slot = p.cache_slot.data();
  const Slot v = p.policy->victim(local);
  return v == kNoSlot ? kNoSlot : p.cache_slot[v];
}

}  // namespace tiersim::models
