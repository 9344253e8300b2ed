#include "models/workloads/kv_store/kv_store.h"

#include <stdexcept>

#include "models/links/link_metrics.h"
#include "models/policies/policy_registry.h"
#include "models/policies/priority_levels.h"
#include "models/tiers/store_metrics.h"
#include "models/tiers/topology.h"
#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"
#include "sim/output/histogram_table.h"

namespace tiersim::models {

namespace {

std::vector<Tier*> tiers_of(Topology& topology) {
  std::vector<Tier*> tiers;
  for (uint32_t t = 0; t < topology.tier_count(); ++t) tiers.push_back(&topology.tier(t));
  return tiers;
}

double us(sim::Time ps) { return static_cast<double>(ps) / 1e6; }
double ratio(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

}  // namespace

KvStore::KvStore(sim::Simulator& simulator, Topology& topology, const KvStoreSpec& spec, const traces::ApiTrace& calls,
                 sim::FlatMap<KvEntryTags>& tags)
    : simulator_(simulator),
      topology_(topology),
      spec_(spec),
      calls_(calls),
      tags_(tags),
      hierarchy_(tiers_of(topology), /*store_holds_everything=*/false, *this, *this, LogicalClock{&now_, true}),
      load_found_(topology.tier_count(), 0) {
  if (spec.movement.mode != MovementSpec::Mode::kPassive) movement_ = std::make_unique<KvMovement>(spec.movement);
  bytes_per_token_.push_back(spec.model.bytes_per_token());
  for (const auto& shape : spec.namespaces.shapes) bytes_per_token_.push_back(shape ? shape->bytes_per_token() : bytes_per_token_[0]);
}

void KvStore::run() {
  if (calls_.calls.empty()) return;
  const auto at = [&](uint32_t i) { return static_cast<sim::Time>(calls_.requests.requests[i].arrival_us) * sim::kMicrosecond; };
  simulator_.schedule_at(at(0), &on_call, this, 0);
  if (movement_ && spec_.movement.mode == MovementSpec::Mode::kDaemon) simulator_.schedule_after(spec_.movement.scan_interval, &on_scan, this);
  simulator_.run();
}

void KvStore::on_call(void* self, uint64_t index) {
  auto& store = *static_cast<KvStore*>(self);
  store.call(static_cast<uint32_t>(index));
  if (index + 1 < store.calls_.calls.size()) {
    const sim::Time next = static_cast<sim::Time>(store.calls_.requests.requests[index + 1].arrival_us) * sim::kMicrosecond;
    store.simulator_.schedule_at(next, &on_call, self, index + 1);
  } else {
    store.calls_done_ = true;
  }
}

void KvStore::call(uint32_t index) {
  last_call_ = simulator_.now();
  expire_due();
  const traces::ApiCall& c = calls_.calls[index];
  const traces::KvRequest& r = calls_.requests.requests[index];
  ++op_counts_[static_cast<uint32_t>(c.op)];
  switch (c.op) {
    case traces::ApiOp::kLoad: load(r); break;
    case traces::ApiOp::kStore: store(r, c); break;
    case traces::ApiOp::kQuery: query(r); break;
    case traces::ApiOp::kDelete: erase(r); break;
    case traces::ApiOp::kSetPriority:
    case traces::ApiOp::kSetTtl: retag(r, c); break;
    case traces::ApiOp::kEvictPolicy: switch_policy(calls_.policy_calls[c.policy_call]); break;
  }
}

uint64_t KvStore::key_of(const traces::KvRequest& r, uint32_t b) const {
  return traces::chunk_key(calls_.requests.blocks_of(r)[b], 1, r.ns);
}

uint64_t KvStore::block_bytes(const traces::KvRequest& r, uint32_t b) const {
  return uint64_t{calls_.requests.tokens_in_block(r, b)} * bytes_per_token_[r.shape];
}

PriorityLevels& KvStore::levels(uint32_t tier) { return static_cast<PriorityLevels&>(topology_.tier(tier).policy()); }

// ---------------------------------------------------------------- the calls

void KvStore::load(const traces::KvRequest& r) {
  const uint32_t id = loads_.acquire();
  loads_[id] = PendingLoad{simulator_.now(), 0};
  const uint32_t store_tier = topology_.backing_tier();
  bool asked_below = false;
  for (uint32_t b = 0; b < r.blocks; ++b) {
    const uint64_t key = key_of(r, b);
    ++lookups_;
    uint32_t t = 0;
    for (; t <= store_tier; ++t) {
      asked_below = asked_below || t > 0;
      if (topology_.tier(t).lookup(key, now_) != kNoSlot) break;
    }
    if (t > store_tier) {  // held nowhere: the loaded prefix ends here
      load_missed_ += r.blocks - b;
      break;
    }
    if (movement_) movement_->add_use(key);
    if (t == 0) {
      const uint32_t* m = movement_ ? in_flight_.find(key) : nullptr;
      if (m) {  // promoted, still on its way: the load waits for it
        moves_[*m].waiters.push_back(id);
        ++loads_[id].pending;
        ++in_flight_blocks_;
      } else {
        ++load_found_[0];
      }
      if (movement_ && promoted_.erase(key)) ++promoted_used_;
      continue;
    }
    ++load_found_[t];
    const uint64_t bytes = block_bytes(r, b);
    ++refills_;
    refill_bytes_ += bytes;
    ++loads_[id].pending;
    move(&topology_.fetch_path(t), 0, bytes, id);
    if (hierarchy_.admit(0, key, bytes, topology_.tier(0).resident().guard(0, false)) != kNoSlot) entered_first_tier(key);
  }
  load_blocks_ += r.blocks;
  if (loads_[id].pending == 0) {
    load_latency_.record(static_cast<uint64_t>(asked_below ? spec_.query_latency : 0));
    loads_.release(id);
  }
}

void KvStore::store(const traces::KvRequest& r, const traces::ApiCall& c) {
  for (uint32_t b = 0; b < r.blocks; ++b) {
    const uint64_t key = key_of(r, b);
    tag(key, c);
    if (topology_.tier(0).resident().find(key) != kNoSlot) {
      ++store_present_;
      continue;
    }
    if (hierarchy_.admit(0, key, block_bytes(r, b), topology_.tier(0).resident().guard(0, false)) == kNoSlot) {
      ++dropped_;  // larger than the tier
      continue;
    }
    topology_.tier(0).count_written();
    ++stored_blocks_;
    entered_first_tier(key);
  }
}

void KvStore::query(const traces::KvRequest& r) {
  query_blocks_ += r.blocks;
  for (uint32_t b = 0; b < r.blocks; ++b) {
    const uint64_t key = key_of(r, b);
    if (!hierarchy_.held_at_or_above(topology_.backing_tier(), key)) break;
    ++query_held_;
    // A driver that promotes: what its query found below tier 1 comes up before the load.
    if (movement_ && spec_.movement.mode == MovementSpec::Mode::kDriver && topology_.tier(0).resident().find(key) == kNoSlot) promote(key);
  }
}

void KvStore::erase(const traces::KvRequest& r) {
  for (uint32_t b = 0; b < r.blocks; ++b) {
    const uint64_t key = key_of(r, b);
    if (!hierarchy_.held_at_or_above(topology_.backing_tier(), key)) {
      ++delete_absent_;
      continue;
    }
    remove_everywhere(key);
    ++deleted_;
  }
}

void KvStore::retag(const traces::KvRequest& r, const traces::ApiCall& c) {
  for (uint32_t b = 0; b < r.blocks; ++b) {
    const uint64_t key = key_of(r, b);
    if (!hierarchy_.held_at_or_above(topology_.backing_tier(), key)) {
      ++retag_absent_;
      continue;
    }
    tag(key, c);
    ++retagged_;
  }
}

void KvStore::tag(uint64_t key, const traces::ApiCall& c) {
  if (!c.has_priority && !c.has_ttl) return;
  KvEntryTags& tags = tags_.find_or_insert(key, KvEntryTags{});
  if (c.has_ttl) {
    tags.expiry = sim::saturating_add(simulator_.now(), static_cast<sim::Time>(c.ttl_s * 1e12 + 0.5));
    expiries_.push(Expiry{tags.expiry, key});
  }
  if (c.has_priority && tags.priority != c.priority) {
    tags.priority = c.priority;
    for (uint32_t t = 0; t < topology_.backing_tier(); ++t) {
      const Slot slot = topology_.tier(t).resident().find(key);
      if (slot != kNoSlot) levels(t).set_priority(slot, c.priority, now_);
    }
  }
  reranked(key);
}

void KvStore::switch_policy(const traces::PolicyCall& p) {
  const PolicyEntry* entry = PolicyRegistry::find(p.policy);
  const uint32_t t = topology_.tier_index(p.tier);
  if (!entry || t >= topology_.backing_tier()) throw std::logic_error("evict_policy call not checked when the trace was read");
  auto parameters = std::make_shared<const nlohmann::json>(p.parameters.is_object() ? p.parameters : nlohmann::json::object());
  levels(t).switch_policy([entry, parameters] {
    const ConfigNode node(*parameters, "parameters", "evict_policy");
    return entry->make(&node);
  }, now_);
  ++policy_switches_;
}

void KvStore::expire_due() {
  const sim::Time now = simulator_.now();
  while (!expiries_.empty() && expiries_.top().at <= now) {
    const Expiry e = expiries_.top();
    expiries_.pop();
    const KvEntryTags* tags = tags_.find(e.key);
    if (!tags || tags->expiry != e.at) continue;  // retagged or gone since
    if (hierarchy_.held_at_or_above(topology_.backing_tier(), e.key)) ++expired_;
    remove_everywhere(e.key);
  }
}

void KvStore::remove_everywhere(uint64_t key) {
  for (uint32_t t = 0; t < topology_.tier_count(); ++t) {
    Tier& tier = topology_.tier(t);
    const Slot slot = tier.resident().find(key);
    if (slot != kNoSlot) tier.remove(slot);
  }
  tags_.erase(key);
  if (movement_) {
    movement_->forget(key);
    promoted_.erase(key);
    in_flight_.erase(key);
  }
}

// ---------------------------------------------------------------- eviction

void KvStore::on_victim(uint32_t tier, const Evicted& victim) {
  if (tier == 0) left_first_tier(victim.key);
  if (tier + 1 < hierarchy_.size() && !hierarchy_.held_below(tier, victim.key)) hierarchy_.write_down(tier, victim);
  if (!hierarchy_.held_at_or_above(topology_.backing_tier(), victim.key)) {  // gone from the store
    tags_.erase(victim.key);
    if (movement_) movement_->forget(victim.key);
  } else if (tier == 0 && movement_) {
    movement_->set_candidate(victim.key, rank_of(victim.key));
  }
}

void KvStore::move_down(uint32_t from, uint32_t, uint64_t, uint64_t bytes, bool) {
  const uint32_t link = topology_.writeback_link(from);
  if (link == kNoLink) throw std::logic_error("a write-down without a write-back link (the config check missed it)");
  ++evicts_;
  evict_bytes_ += bytes;
  move(nullptr, link, bytes, -1);
}

// ---------------------------------------------------------------- transfers

void KvStore::move(const std::vector<uint32_t>* path, uint32_t single, uint64_t bytes, int64_t load) {
  const uint32_t m = moves_.acquire();
  last_move_ = m;
  moves_[m] = Move{path ? path->data() : nullptr, single, path ? static_cast<uint32_t>(path->size()) : 1, 0, bytes, load, false, 0, {}};
  if (load >= 0 && spec_.query_latency > 0) {
    // The index answers first; then the data moves.
    simulator_.schedule_after(spec_.query_latency, [](void* self, uint64_t i) { static_cast<KvStore*>(self)->submit_hop(uint32_t(i)); },
                              this, m);
    return;
  }
  submit_hop(m);
}

void KvStore::submit_hop(uint32_t m) {
  const Move& move = moves_[m];
  const uint32_t link = move.path ? move.path[move.next] : move.single;
  topology_.link(link).submit(TransferRequest{move.bytes}, TransferDone{&on_hop_done, this, m},
                              move.load >= 0 ? Priority::kDemand : Priority::kBackground);
}

void KvStore::on_hop_done(void* self, uint64_t index) {
  auto& store = *static_cast<KvStore*>(self);
  const uint32_t m = static_cast<uint32_t>(index);
  Move& move = store.moves_[m];
  if (++move.next < move.hops) {
    store.submit_hop(m);
    return;
  }
  const int64_t load = move.load;
  if (move.promotion) {
    const uint32_t* in_flight = store.in_flight_.find(move.key);
    if (in_flight && *in_flight == m) store.in_flight_.erase(move.key);
    for (uint32_t waiter : move.waiters)
      if (--store.loads_[waiter].pending == 0) store.load_done(waiter);
  }
  store.moves_.release(m);
  if (load >= 0 && --store.loads_[static_cast<uint32_t>(load)].pending == 0) store.load_done(static_cast<uint32_t>(load));
}

void KvStore::load_done(uint32_t load) {
  load_latency_.record(static_cast<uint64_t>(simulator_.now() - loads_[load].started));
  loads_.release(load);
}

// ---------------------------------------------------------------- movement

KvMovement::Rank KvStore::rank_of(uint64_t key) const {
  const KvEntryTags* tags = tags_.find(key);
  const int32_t priority = tags ? tags->priority : 0;
  if (spec_.movement.value == MovementSpec::Value::kTtl) return {priority, tags ? tags->expiry : INT64_MAX, key};
  return {priority, static_cast<int64_t>(movement_->uses(key)), key};
}

void KvStore::entered_first_tier(uint64_t key) {
  if (movement_) movement_->drop_candidate(key);
}

void KvStore::left_first_tier(uint64_t key) {
  if (!movement_) return;
  in_flight_.erase(key);  // loads already waiting on it keep waiting
  if (promoted_.erase(key)) ++promoted_wasted_;
}

void KvStore::reranked(uint64_t key) {
  if (movement_ && topology_.tier(0).resident().find(key) == kNoSlot && hierarchy_.held_below(0, key)) {
    movement_->set_candidate(key, rank_of(key));
  }
}

void KvStore::promote(uint64_t key) {
  uint32_t source = 1;
  Slot slot = kNoSlot;
  for (; source <= topology_.backing_tier(); ++source)
    if ((slot = topology_.tier(source).resident().find(key)) != kNoSlot) break;
  if (slot == kNoSlot) return;
  const uint64_t bytes = topology_.tier(source).resident().size_bytes(slot);
  if (hierarchy_.admit(0, key, bytes, topology_.tier(0).resident().guard(0, false)) == kNoSlot) return;
  entered_first_tier(key);
  ++promotions_;
  promotion_bytes_ += bytes;
  promoted_.find_or_insert(key, 1);
  move(&topology_.fetch_path(source), 0, bytes, -1);
  const uint32_t m = static_cast<uint32_t>(last_move_);
  moves_[m].promotion = true;
  moves_[m].key = key;
  in_flight_.find_or_insert(key, m) = m;
}

// Free room for a candidate of `bytes`, or the room of what tier 1's policy would evict
// next, taken only while that is worth less than the candidate (TinyLFU's admission test).
bool KvStore::make_room_for(const KvMovement::Rank& candidate, uint64_t bytes) {
  Tier& first = topology_.tier(0);
  ResidentSet<EvictionPolicy>& hot = first.resident();
  const EvictionGuard guard = hot.guard(0, false);
  while (!hot.fits(bytes)) {
    Slot slot = kNoSlot;
    if (!first.policy().peek_victim(guard, &slot) || slot == kNoSlot) return false;  // only free room, then
    const KvMovement::Rank victim = rank_of(hot.key(slot));
    const bool worth_less = victim.priority < candidate.priority || (victim.priority == candidate.priority && victim.value < candidate.value);
    if (!worth_less) return false;
    const Evicted evicted{slot, hot.key(slot), hot.size_bytes(slot), hot.dirty(slot)};
    first.remove(slot);
    ++swaps_;
    on_victim(0, evicted);
  }
  return true;
}

void KvStore::on_scan(void* self, uint64_t) {
  auto& store = *static_cast<KvStore*>(self);
  if (store.calls_done_) return;  // the daemon stops with the calls
  store.scan();
  store.simulator_.schedule_after(store.spec_.movement.scan_interval, &on_scan, self);
}

void KvStore::scan() {
  ++scans_;
  double budget = spec_.movement.bandwidth_Bps * sim::to_seconds(spec_.movement.scan_interval);
  while (movement_->has_candidate()) {
    const KvMovement::Rank best = movement_->best_candidate();
    uint64_t bytes = 0;
    for (uint32_t t = 1; t <= topology_.backing_tier() && bytes == 0; ++t) {
      const Slot slot = topology_.tier(t).resident().find(best.key);
      if (slot != kNoSlot) bytes = topology_.tier(t).resident().size_bytes(slot);
    }
    if (bytes == 0) {  // no longer below (cannot happen: kept in step); never loop on it
      movement_->drop_candidate(best.key);
      continue;
    }
    if (double(bytes) > budget || !make_room_for(best, bytes)) break;
    budget -= double(bytes);
    promote(best.key);
    movement_->drop_candidate(best.key);
  }
}

// ---------------------------------------------------------------- results

Metrics KvStore::metrics() const {
  Metrics m;
  uint64_t calls = 0;
  for (uint64_t n : op_counts_) calls += n;
  m.add("calls", calls);
  for (uint32_t op = 0; op < traces::kApiOps; ++op) m.add(std::string(traces::api_op_name(static_cast<traces::ApiOp>(op))) + "_calls", op_counts_[op]);
  m.add("load_blocks", load_blocks_);
  m.add("load_missed_blocks", load_missed_);
  m.add("load_hit_ratio", ratio(double(load_blocks_ - load_missed_), double(load_blocks_)));  // in flight included
  m.add("load_latency_mean_us", load_latency_.mean() / 1e6);
  m.add("load_latency_p50_us", us(static_cast<sim::Time>(load_latency_.quantile(0.5))));
  m.add("load_latency_p99_us", us(static_cast<sim::Time>(load_latency_.quantile(0.99))));
  m.add("query_blocks", query_blocks_);
  m.add("query_held_blocks", query_held_);
  m.add("stored_blocks", stored_blocks_);
  m.add("store_present_blocks", store_present_);
  m.add("dropped_blocks", dropped_);
  m.add("deleted_blocks", deleted_);
  m.add("delete_absent_blocks", delete_absent_);
  m.add("retagged_blocks", retagged_);
  m.add("retag_absent_blocks", retag_absent_);
  m.add("expired_blocks", expired_);
  m.add("policy_switches", policy_switches_);
  m.add("refill_messages", refills_);
  m.add("refill_message_bytes", refill_bytes_);
  m.add("evict_messages", evicts_);
  m.add("evict_message_bytes", evict_bytes_);
  static const char* const modes[] = {"passive", "driver", "daemon"};
  m.add("movement", modes[static_cast<uint32_t>(spec_.movement.mode)]);
  m.add("promotions", promotions_);
  m.add("promotion_bytes", promotion_bytes_);
  m.add("promoted_used", promoted_used_);
  m.add("promoted_wasted", promoted_wasted_);
  m.add("load_in_flight_blocks", in_flight_blocks_);
  m.add("daemon_scans", scans_);
  m.add("daemon_swaps", swaps_);
  for (uint32_t t = 0; t < topology_.tier_count(); ++t) {
    const Tier& tier = topology_.tier(t);
    const std::string& n = tier.name();
    const TierStats& s = tier.stats();
    m.add(n + "_load_hits", load_found_[t]);
    m.add(n + "_load_hit_ratio", ratio(double(load_found_[t]), double(load_blocks_)));
    m.add(n + "_hits", s.hits);
    m.add(n + "_misses", s.misses);
    m.add(n + "_inserts", s.inserts);
    m.add(n + "_evictions", s.evictions);
    m.add(n + "_writebacks", s.writebacks);
    m.add(n + "_objects_end", tier.resident().count());
    m.add(n + "_bytes_end", tier.resident().used_bytes());
  }
  m.add("simulated_s", sim::to_seconds(simulator_.now()));
  const sim::Time horizon = std::max<sim::Time>(simulator_.now(), 1);
  for (uint32_t l = 0; l < topology_.link_count(); ++l) add_link_metrics(m, topology_.link(l).spec().name, topology_.link(l).stats(), horizon);
  add_store_request_metrics(m, topology_);  // an object store below: its GETs, PUTs and throttling
  add_codec_metrics(m, topology_, horizon);
  return m;
}

std::string KvStore::histograms_csv() const {
  HistogramTable table;
  table.add("load_latency", "us", load_latency_, 1e6);
  return table.csv();
}

}  // namespace tiersim::models
