// The expert replay's results row.
#include "models/links/link_metrics.h"
#include "models/tiers/store_metrics.h"
#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "sim/engine/simulator.h"
#include "sim/output/histogram_table.h"

namespace tiersim::models {

namespace {
double ratio(uint64_t part, uint64_t whole) { return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; }
double us(uint64_t ps) { return static_cast<double>(ps) / 1e6; }
}  // namespace

Metrics ExpertReplay::metrics() const {
  Metrics m;
  const double sim_seconds = sim::to_seconds(steps_end_);
  m.add("steps", steps_);
  m.add("accesses", accesses_);
  m.add("sim_time_s", sim_seconds);
  m.add("step_time_mean_us", steps_ ? sim::to_microseconds(total_step_time_) / static_cast<double>(steps_) : 0.0);
  m.add("step_time_p50_us", us(step_time_.quantile(0.50)));
  m.add("step_time_p99_us", us(step_time_.quantile(0.99)));
  m.add("step_time_max_us", us(step_time_.max()));
  m.add("stall_time_s", sim::to_seconds(total_stall_));
  m.add("stall_fraction", total_step_time_ ? static_cast<double>(total_stall_) / static_cast<double>(total_step_time_) : 0.0);
  m.add("stall_p99_us", us(step_stall_.quantile(0.99)));
  m.add("compute_time_s", sim::to_seconds(total_compute_));
  m.add("batch_tokens", static_cast<uint64_t>(spec_.batch_tokens));
  m.add("tokens_per_s", sim_seconds > 0 ? static_cast<double>(steps_) * spec_.batch_tokens / sim_seconds : 0.0);

  const uint32_t backing = topology_.backing_tier();
  for (uint32_t t = 0; t < topology_.tier_count(); ++t) {
    const Tier& tier = topology_.tier(t);
    const TierStats& s = tier.stats();
    const std::string& n = tier.name();
    if (t == backing) {
      m.add(n + "_reads", s.hits);
      m.add(n + "_writes", s.written);
      continue;
    }
    m.add(n + "_hits", s.hits);
    m.add(n + "_misses", s.misses);
    m.add(n + "_hit_ratio", ratio(s.hits, s.hits + s.misses));
    m.add(n + "_inserts", s.inserts);
    m.add(n + "_evictions", s.evictions);
    m.add(n + "_writebacks", s.writebacks);
    m.add(n + "_expirations", s.expirations);
    m.add(n + "_dirty_at_end", dirty_at_end_[t]);
  }
  if (prefetcher_) {
    const Residency::PrefetchCounts& p = residency_.prefetch_counts();
    const TierStats& target = topology_.tier(prefetch_target_).stats();
    m.add("prefetcher", spec_.prefetch.name);
    m.add("prefetch_issued", p.issued);
    m.add("prefetch_bytes", p.bytes);
    m.add("prefetch_useful", p.used - prefetch_late_);
    m.add("prefetch_late", prefetch_late_);
    m.add("prefetch_wasted", p.wasted);
    m.add("prefetch_polluted", p.polluted);
    m.add("prefetch_net_misses_saved", static_cast<double>(p.used) - static_cast<double>(p.polluted));
    m.add("prefetch_throttle", throttle_ ? "feedback" : "none");
    m.add("prefetch_throttle_level_mean", throttle_ ? throttle_->mean_level() : 4.0);
    m.add("prefetch_unused_at_end", residency_.prefetched_unused());
    m.add("prefetch_accuracy", ratio(p.used, p.issued));
    m.add("prefetch_coverage", ratio(p.used, p.used + target.misses));
  }
  for (size_t i = 0; i < topology_.link_count(); ++i) add_link_metrics(m, topology_.link(i).spec().name, link_stats_[i], steps_end_);
  const TierSpec& store = topology_.tier(backing).spec();
  if (store.object_store || store.compression.enabled) {
    add_store_request_metrics(m, topology_);
    add_codec_metrics(m, topology_, steps_end_, &codec_totals_);  // over the steps, as the links
  }
  if (warm_) {
    const WarmTier::Counts& w = warm_->counts;
    const double seconds = sim_seconds > 0 ? sim_seconds : 1.0;
    auto rate = [&](uint64_t n) { return sim_seconds > 0 ? static_cast<double>(n) / seconds : 0.0; };
    const uint64_t warm_evictions = topology_.tier(1).stats().evictions;
    m.add("warm_stagings", w.stagings);
    m.add("warm_promotions", w.promotions);
    m.add("warm_served", w.served);
    m.add("warm_demotions", w.demotions);
    m.add("warm_evictions", warm_evictions);
    m.add("warm_staging_per_s", rate(w.stagings));
    m.add("warm_promotion_per_s", rate(w.promotions));
    m.add("warm_demotion_per_s", rate(w.demotions));
    m.add("warm_eviction_per_s", rate(warm_evictions));
    m.add("versions_published", w.versions_published);
    m.add("stale_detected", w.stale_detected);
    m.add("corrupted_reads", w.corrupted_reads);
    m.add("read_retries", w.retries);
    m.add("replica_reads", w.replica_reads);
    m.add("unavailable_experts", w.unavailable_experts);
    m.add("skipped_accesses", w.skipped_accesses);
    m.add("wait_retries", w.waits);
  }
  // Latency of each kind of move this run can make (first byte sent to last byte delivered).
  for (uint32_t k = 0; k < kMoveKinds; ++k) {
    const MoveKind kind = static_cast<MoveKind>(k);
    const bool warm_kind = kind == MoveKind::kPromote || kind == MoveKind::kServe || kind == MoveKind::kDemote ||
                           kind == MoveKind::kReread;
    const bool integrity_kind = kind == MoveKind::kRetry || kind == MoveKind::kReplica;
    const bool training_kind = (kind == MoveKind::kReload && training_step_ && spec_.training->evict_safe.enabled) ||
                               (kind == MoveKind::kOptimizer && training_step_ &&
                                spec_.training->optimizer.placement != OptimizerSpec::Placement::kHbm);
    const bool possible = kind == MoveKind::kFetch || training_kind ||
                          ((kind == MoveKind::kWriteback || kind == MoveKind::kFlush) && training_) ||
                          (kind == MoveKind::kPrefetch && prefetcher_) || (warm_kind && warm_) ||
                          (integrity_kind && warm_ && warm_->reads_can_fail());
    if (!possible) continue;
    const std::string n = std::string("move_") + move_kind_name(kind);
    const sim::LogHistogram& h = move_latency_[k];
    m.add(n + "_count", h.count());
    m.add(n + "_p50_us", us(h.quantile(0.50)));
    m.add(n + "_p90_us", us(h.quantile(0.90)));
    m.add(n + "_p99_us", us(h.quantile(0.99)));
    m.add(n + "_p999_us", us(h.quantile(0.999)));
  }
  if (training_step_) {
    training_step_->add_metrics(m, topology_, total_step_time_, optimizer_time_, move_latency_);
    if (router_) {
      const CacheAwareRouter::Counts& r = router_->counts();
      m.add("routing", "cache_aware");
      m.add("routing_rerouted_share", ratio(r.rerouted, r.tokens));
      m.add("routing_load_imbalance_mean", r.layers ? r.imbalance_sum / double(r.layers) : 1.0);
      m.add("routing_load_imbalance_max", r.imbalance_max);
      m.add("routing_score_given_up_mean", r.tokens ? r.score_given_up / double(r.tokens) : 0.0);
    }
  }
  if (training_) {
    m.add("flush_time_s", sim::to_seconds(flush_end_ - steps_end_));
    for (size_t i = 0; i < topology_.link_count(); ++i) {
      m.add("flush_" + topology_.link(i).spec().name + "_objects", flush_objects_[i]);
    }
  }
  m.add("events", simulator_.events_processed());

  if (spec_.bench_cache_counters) {
    // The MoE prototype's counter names: GPU = tier 0, CPU = tier 1, disk = tier 2 (the backing store).
    auto ops = [&](uint32_t from, uint32_t to) {
      const uint32_t l = topology_.link_between(from, to);
      return l == kNoLink ? uint64_t{0} : link_stats_[l].operations;
    };
    auto seconds = [&](uint32_t from, uint32_t to) {
      const uint32_t l = topology_.link_between(from, to);
      return l == kNoLink ? 0.0 : sim::to_seconds(link_stats_[l].service_time);
    };
    auto flush = [&](uint32_t from, uint32_t to) {
      const uint32_t l = topology_.link_between(from, to);
      return l == kNoLink ? uint64_t{0} : flush_objects_[l];
    };
    const TierStats& gpu = topology_.tier(0).stats();
    const TierStats& cpu = topology_.tier(1).stats();
    m.add("gpu_cache_hit", gpu.hits);
    m.add("gpu_cache_miss", gpu.misses);
    m.add("cpu_cache_hit", cpu.hits);
    m.add("cpu_cache_miss", cpu.misses);
    m.add("disk_read_ops", ops(2, 1));
    m.add("disk_write_ops", ops(1, 2));
    m.add("h2d_load", ops(1, 0));
    m.add("d2h_writeback", ops(0, 1));
    m.add("h2d_load_s", seconds(1, 0));
    m.add("d2h_writeback_s", seconds(0, 1));
    m.add("disk_read_s", seconds(2, 1));
    m.add("disk_write_s", seconds(1, 2));
    m.add("dirty_gpu_at_end", dirty_at_end_[0]);
    m.add("dirty_cpu_at_end", dirty_at_end_[1]);
    m.add("flush_d2h_writeback", flush(0, 1));
    m.add("flush_disk_write_ops", flush(1, 2));
  }
  return m;
}

std::string ExpertReplay::histograms_csv() const {
  HistogramTable table;
  table.add("step_time", "us", step_time_, 1e6);
  for (uint32_t k = 0; k < kMoveKinds; ++k) {
    if (k >= kFirstTrainingMoveKind && move_latency_[k].count() == 0) continue;  // only a training block makes them
    table.add(std::string("move_") + move_kind_name(static_cast<MoveKind>(k)), "us", move_latency_[k], 1e6);
  }
  for (size_t i = 0; i < topology_.link_count(); ++i) {
    table.add(topology_.link(i).spec().name + "_latency", "us", topology_.link(i).stats().latency, 1e6);
  }
  return table.csv();
}

}  // namespace tiersim::models
