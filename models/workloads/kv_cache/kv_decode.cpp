#include "models/workloads/kv_cache/kv_decode.h"

#include <algorithm>

#include "models/links/queueing_link.h"
#include "models/links/link_metrics.h"
#include "sim/engine/simulator.h"
#include "sim/output/histogram_table.h"
#include "sim/output/metrics.h"
#include "sim/stats/exact_quantiles.h"

namespace tiersim::models {

namespace {
double us(sim::Time ps) { return static_cast<double>(ps) / 1e6; }
}  // namespace

KvDecodePool::KvDecodePool(sim::Simulator& simulator, const KvDecodeSpec& spec, uint32_t prefill_workers, std::vector<DecodeShape> shapes,
                           bool layerwise)
    : simulator_(simulator), spec_(spec), shapes_(std::move(shapes)), layerwise_(layerwise) {
  workers_.resize(spec.colocated ? prefill_workers : spec.workers);
  for (Worker& w : workers_) {
    w.sequences.assign(shapes_.size(), 0);
    w.context_bytes.assign(shapes_.size(), 0);
  }
  if (!spec.colocated)
    for (uint32_t w = 0; w < prefill_workers; ++w) handover_.push_back(std::make_unique<QueueingLink>(simulator, spec.handover));
}

KvDecodePool::~KvDecodePool() = default;

uint32_t KvDecodePool::least_loaded_worker() const {
  uint32_t best = 0;
  size_t best_load = SIZE_MAX;
  for (uint32_t w = 0; w < workers_.size(); ++w) {
    const Worker& k = workers_[w];
    const size_t load = k.batch.size() + (k.waiting.size() - k.waiting_head) + k.handovers;
    if (load < best_load) {
      best = w;
      best_load = load;
    }
  }
  return best;
}

void KvDecodePool::prefill_scheduled(uint32_t request, uint32_t prefill_worker, sim::Time arrival, sim::Time compute_start,
                                     sim::Time first_token, uint64_t input_tokens, uint32_t output_tokens, uint32_t shape) {
  const sim::Time now = simulator_.now();
  if (decode_start_.size() <= request) {  // requests come as they arrive: the per-request times grow with them
    decode_start_.resize(request + 1, -1);
    last_token_.resize(request + 1, -1);
  }
  if (spec_.colocated) {
    std::vector<Interval>& prefills = workers_[prefill_worker].prefills;
    std::erase_if(prefills, [now](const Interval& i) { return i.until <= now; });
    prefills.push_back(Interval{std::max(compute_start, now), first_token});
  }
  if (output_tokens <= 1) {  // the first token was the whole answer
    e2e_.push_back(first_token - arrival);
    last_token_[request] = first_token;
    return;
  }
  const uint32_t id = sequences_.acquire();
  Sequence& s = sequences_[id];
  s.request = request;
  s.worker = spec_.colocated ? prefill_worker : least_loaded_worker();
  s.output_tokens = output_tokens;
  s.remaining = output_tokens - 1;
  s.shape = shape;
  const uint64_t per_token = shapes_[shape].bytes_per_token;
  s.context_bytes = input_tokens * per_token;
  s.reserved_bytes = (input_tokens + output_tokens) * per_token;
  s.arrival = arrival;
  s.first_token = s.last = first_token;
  ++workers_[s.worker].handovers;
  if (spec_.colocated) {
    simulator_.schedule_at(first_token, &on_ready, this, id);
    return;
  }
  s.prefill_worker = prefill_worker;
  const sim::Time submit_at = layerwise_ ? std::max(compute_start, now) : first_token;
  simulator_.schedule_at(submit_at, &on_handover_start, this, id);
}

void KvDecodePool::on_handover_start(void* self, uint64_t id) {
  auto& p = *static_cast<KvDecodePool*>(self);
  Sequence& s = p.sequences_[id];
  QueueingLink& link = *p.handover_[s.prefill_worker];
  link.submit(s.context_bytes, TransferDone{&on_handover_done, self, id});
}

void KvDecodePool::on_handover_done(void* self, uint64_t id) {
  auto& p = *static_cast<KvDecodePool*>(self);
  Sequence& s = p.sequences_[id];
  sim::Time ready = std::max(p.simulator_.now(), s.first_token);
  if (p.layerwise_) {
    // The last layer's KV exists only at the first token, and still has to cross.
    const LinkSpec& link = p.handover_[s.prefill_worker]->spec();
    const uint64_t last_layer = s.context_bytes / std::max<uint32_t>(p.shapes_[s.shape].layers, 1);
    ready = std::max(ready, s.first_token + link.delivery_latency(last_layer) + link.service_time(last_layer));
  }
  p.simulator_.schedule_at(ready, &on_ready, self, id);
}

void KvDecodePool::on_ready(void* self, uint64_t id) {
  auto& p = *static_cast<KvDecodePool*>(self);
  Sequence& s = p.sequences_[id];
  Worker& w = p.workers_[s.worker];
  --w.handovers;
  w.waiting.push_back(static_cast<uint32_t>(id));
  if (!w.stepping) p.try_step(s.worker);
}

// At a step boundary: waiting sequences join, then the next step starts (after any prefill
// computing on a colocated worker).
void KvDecodePool::try_step(uint32_t wi) {
  Worker& w = workers_[wi];
  const sim::Time now = simulator_.now();
  while (w.waiting_head < w.waiting.size() && w.batch.size() < spec_.max_batch) {
    Sequence& s = sequences_[w.waiting[w.waiting_head]];
    const bool fits = s.reserved_bytes <= spec_.kv_capacity - std::min(w.kv_used, spec_.kv_capacity);
    if (!fits) {
      if (!w.batch.empty()) break;
      ++kv_overflows_;  // it could never fit: it runs alone rather than never
    }
    ++w.waiting_head;
    w.batch.push_back(w.waiting[w.waiting_head - 1]);
    w.kv_used += s.reserved_bytes;
    ++w.sequences[s.shape];
    w.context_bytes[s.shape] += s.context_bytes;
    decode_wait_.push_back(now - s.first_token);
    decode_start_[s.request] = now;
  }
  if (w.waiting_head == w.waiting.size()) {
    w.waiting.clear();
    w.waiting_head = 0;
  }
  if (w.batch.empty()) {
    w.stepping = false;
    return;
  }
  w.stepping = true;
  sim::Time start = now;
  std::erase_if(w.prefills, [now](const Interval& i) { return i.until <= now; });
  for (bool moved = true; moved;) {
    moved = false;
    for (const Interval& i : w.prefills) {
      if (i.from <= start && start < i.until) {
        start = i.until;
        moved = true;
      }
    }
  }
  if (start > now) {
    stalled_ += start - now;
    simulator_.schedule_at(start, &on_step_start, this, wi);
  } else {
    begin_step(wi);
  }
}

void KvDecodePool::on_step_start(void* self, uint64_t wi) {
  auto& p = *static_cast<KvDecodePool*>(self);
  p.try_step(static_cast<uint32_t>(wi));  // a prefill may have begun meanwhile; sequences may have arrived
}

void KvDecodePool::begin_step(uint32_t wi) {
  Worker& w = workers_[wi];
  const sim::Time now = simulator_.now();
  if (first_decode_ < 0) first_decode_ = now;
  w.step_start = now;
  sim::Time step = 0;
  for (size_t shape = 0; shape < shapes_.size(); ++shape) {  // each model's step over its own sequences
    if (w.sequences[shape]) step = sim::saturating_add(step, shapes_[shape].step.time(w.sequences[shape], w.context_bytes[shape]));
  }
  step = std::max<sim::Time>(1, step);
  busy_ += step;
  ++steps_;
  simulator_.schedule_after(step, &on_step_end, this, wi);
}

void KvDecodePool::on_step_end(void* self, uint64_t wi) {
  auto& p = *static_cast<KvDecodePool*>(self);
  Worker& w = p.workers_[wi];
  const sim::Time now = p.simulator_.now();
  p.last_decode_ = now;
  size_t kept = 0;
  for (size_t i = 0; i < w.batch.size(); ++i) {
    const uint32_t id = w.batch[i];
    Sequence& s = p.sequences_[id];
    p.tbt_.record(static_cast<uint64_t>(now - s.last));
    s.last = now;
    ++p.decode_tokens_;
    const uint64_t per_token = p.shapes_[s.shape].bytes_per_token;
    s.context_bytes += per_token;
    w.context_bytes[s.shape] += per_token;
    if (--s.remaining == 0) {
      w.kv_used -= s.reserved_bytes;
      w.context_bytes[s.shape] -= s.context_bytes;
      --w.sequences[s.shape];
      p.finish(id, now);
    } else {
      w.batch[kept++] = id;
    }
  }
  w.batch.resize(kept);
  p.try_step(static_cast<uint32_t>(wi));
}

void KvDecodePool::finish(uint32_t id, sim::Time now) {
  const Sequence& s = sequences_[id];
  tpot_.push_back((now - s.first_token) / static_cast<sim::Time>(s.output_tokens - 1));
  e2e_.push_back(now - s.arrival);
  last_token_[s.request] = now;
  sequences_.release(id);
  if (on_finish_) on_finish_(on_finish_context_, now);
}

void KvDecodePool::add_metrics(Metrics& m, sim::Time horizon) const {
  m.add("decode_placement", spec_.colocated ? "colocated" : "disaggregated");
  m.add("decode_workers", static_cast<uint64_t>(workers_.size()));
  m.add("decoded_requests", static_cast<uint64_t>(tpot_.size()));
  m.add("decode_tokens", decode_tokens_);
  m.add("decode_steps", steps_);
  m.add("decode_batch_mean", steps_ ? double(decode_tokens_) / double(steps_) : 0.0);
  std::vector<sim::Time> sorted = tpot_;
  std::sort(sorted.begin(), sorted.end());
  m.add("tpot_mean_us", us(static_cast<sim::Time>(sim::mean_of(tpot_))));
  m.add("tpot_p50_us", us(sim::nearest_rank(sorted, 0.50)));
  m.add("tpot_p99_us", us(sim::nearest_rank(sorted, 0.99)));
  m.add("tbt_p50_us", us(static_cast<sim::Time>(tbt_.quantile(0.50))));
  m.add("tbt_p99_us", us(static_cast<sim::Time>(tbt_.quantile(0.99))));
  m.add("tbt_max_us", us(static_cast<sim::Time>(tbt_.max())));
  sorted = decode_wait_;
  std::sort(sorted.begin(), sorted.end());
  m.add("decode_wait_mean_us", us(static_cast<sim::Time>(sim::mean_of(decode_wait_))));
  m.add("decode_wait_p99_us", us(sim::nearest_rank(sorted, 0.99)));
  sorted = e2e_;
  std::sort(sorted.begin(), sorted.end());
  m.add("e2e_p50_us", us(sim::nearest_rank(sorted, 0.50)));
  m.add("e2e_p99_us", us(sim::nearest_rank(sorted, 0.99)));
  const double span = first_decode_ >= 0 ? sim::to_seconds(last_decode_ - first_decode_) : 0.0;
  m.add("decode_tokens_per_s", span > 0 ? double(decode_tokens_) / span : 0.0);
  m.add("decode_utilization", horizon > 0 ? double(busy_) / double(horizon) / double(workers_.size()) : 0.0);
  m.add("decode_stall_s", sim::to_seconds(stalled_));
  m.add("decode_kv_overflows", kv_overflows_);
  if (!handover_.empty()) {
    LinkStats total;
    for (const auto& link : handover_) accumulate(total, link->stats());
    add_link_metrics(m, "kv_handover", total, horizon, static_cast<uint32_t>(handover_.size()));
  }
}

void KvDecodePool::add_histograms(HistogramTable& table) const {
  table.add("tpot", "us", histogram_of(tpot_), 1e6);
  table.add("tbt", "us", tbt_, 1e6);
}

}  // namespace tiersim::models
