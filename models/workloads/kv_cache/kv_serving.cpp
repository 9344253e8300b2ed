#include "models/workloads/kv_cache/kv_serving.h"

#include "traces/kv/mooncake_trace.h"

#include <algorithm>
#include <cmath>

#include "models/links/link_metrics.h"
#include "models/tiers/store_metrics.h"
#include "models/tiers/topology.h"
#include "models/workloads/kv_cache/kv_decode.h"
#include "models/workloads/kv_cache/load_plan.h"
#include "sim/engine/progress.h"
#include "sim/errors.h"
#include "sim/engine/simulator.h"
#include "sim/output/histogram_table.h"
#include "sim/stats/exact_quantiles.h"

namespace tiersim::models {

namespace {

double us(sim::Time ps) { return static_cast<double>(ps) / 1e6; }

}  // namespace

KvServing::KvServing(sim::Simulator& simulator, Topology& topology, const KvServingSpec& spec, traces::KvTrace& trace,
                     traces::KvRequestSource& source)
    : simulator_(simulator),
      topology_(topology),
      tiers_(topology, spec.workers.count, spec.workers.first_shared, spec.workers.shared_links),
      spec_(spec),
      trace_(trace),
      source_(source),
      namespaces_(spec.namespaces),
      bytes_per_token_(spec.model.bytes_per_token()),
      store_(topology.backing_tier()),
      compression_(topology.tier(topology.backing_tier()).spec().compression) {
  const std::vector<ModelShape> shapes = spec.shapes.empty() ? std::vector<ModelShape>{spec.model} : spec.shapes;
  for (size_t i = 0; i < shapes.size(); ++i) {
    shape_bytes_per_token_.push_back(shapes[i].bytes_per_token());
    shape_layers_.push_back(shapes[i].layers);
    shape_prefill_.push_back(i < spec.prefill_by_shape.size() ? spec.prefill_by_shape[i] : spec.prefill);
  }
  if (spec.index.pooled) {
    LinkSpec index;
    index.name = "index";
    index.bandwidth_Bps = UINT64_MAX / 2;  // a lookup takes its service time, nothing per byte
    index.per_io_overhead = spec.index.service_time;
    index.channels = spec.index.servers;
    indexer_ = std::make_unique<QueueingLink>(simulator, index);
  }
  active_.resize(size_t{spec.prefill_slots} * spec.workers.count);
  for (size_t i = 0; i < active_.size(); ++i) active_[i].worker = static_cast<uint32_t>(i / spec.prefill_slots);
  workers_.resize(spec.workers.count);
  if (spec.discovery.prefetch) {
    prefetch_in_flight_.resize(spec.workers.count);
    prefetched_.resize(spec.workers.count);
  }
  if (spec.workers.replicas > 1) {
    for (uint32_t w = 0; w < spec.workers.count; ++w) replication_.push_back(std::make_unique<QueueingLink>(simulator, spec.workers.replication));
  }
  if (spec.decode.enabled) {
    std::vector<DecodeShape> decode_shapes;
    for (const ModelShape& shape : shapes) {
      DecodeShape d{shape.bytes_per_token(), std::max<uint32_t>(shape.layers, 1), spec.decode.step};
      if (d.step.roofline) {  // each model's decode step on the workload's GPU
        d.step.roofline = std::make_shared<const Roofline>(shape, d.step.roofline->gpu());
        d.step.bytes_per_token = d.bytes_per_token;
      }
      decode_shapes.push_back(std::move(d));
    }
    decode_ = std::make_unique<KvDecodePool>(simulator, spec.decode, spec.workers.count, std::move(decode_shapes), spec.layerwise);
    decode_->on_finish(&KvServing::on_decode_finished, this);
  }
  rules_.resize(spec.workers.count);
  for (uint32_t w = 0; w < spec.workers.count; ++w) {
    rules_[w] = WorkerRules{this, w};
    std::vector<Tier*> chain;
    for (uint32_t t = 0; t < tiers_.tier_count(); ++t) chain.push_back(&tiers_.tier(w, t));
    hierarchies_.push_back(std::make_unique<CacheHierarchy>(chain, /*store_holds_everything=*/false, rules_[w], rules_[w],
                                                           LogicalClock{&clock_, true}));
  }
  for (uint32_t t = 0; t < tiers_.tier_count(); ++t) {
    for (uint32_t w = 0; w < tiers_.tier_instances(t); ++w) {
      const uint32_t id = tiers_.tier_id(w, t);
      tiers_.tier_by_id(id).on_change(&KvServing::on_tier_change, this, id);
    }
  }
  const size_t tiers = topology.tier_count();
  hit_blocks_.assign(tiers, 0);
  hit_tokens_.assign(tiers, 0);
  loaded_.assign(tiers, 0);
  recomputed_.assign(tiers, 0);
  byte_seconds_.assign(tiers_.tier_ids(), 0);
  accounted_at_.assign(tiers_.tier_ids(), 0);
}

KvServing::~KvServing() = default;

bool KvServing::fetch(uint64_t index) {
  while (trace_.requests.size() <= index) {
    if (source_done_ || trace_.requests.size() >= spec_.max_requests || !source_.next(trace_)) {
      source_done_ = true;
      return false;
    }
    namespaces_.assign(trace_, trace_.requests.back());
    looked_up_.push_back(0);
    if (spec_.request_log) {
      if (trace_.requests.size() > spec_.request_log_max_rows) {
        throw InputError("workload.request_log: the trace has more than " + std::to_string(spec_.request_log_max_rows) +
                         " requests, so more rows than workload.request_log_max_rows allows; cap workload.max_requests, or "
                         "raise request_log_max_rows");
      }
      records_.emplace_back();
    }
  }
  return true;
}

// Once every request up to one has looked its prefix up, their block ids can go.
void KvServing::release_looked_up(uint32_t request) {
  looked_up_[request] = 1;
  while (release_from_ < looked_up_.size() && looked_up_[release_from_]) ++release_from_;
  trace_.release_blocks_before(release_from_ < trace_.requests.size() ? trace_.requests[release_from_].first_block : trace_.block_end());
}

void KvServing::run() {
  if (!fetch(0)) traces::require_requests(trace_);
  simulator_.schedule_at(static_cast<sim::Time>(trace_.requests[0].arrival_us) * sim::kMicrosecond, &on_arrival, this, 0);
  simulator_.run();
  for (uint32_t t = 0; t < tiers_.tier_count(); ++t)
    for (uint32_t w = 0; w < tiers_.tier_instances(t); ++w) account_storage(tiers_.tier_id(w, t));
  if (spec_.request_log) request_log_ = build_request_log();
}

// ---------------------------------------------------------------- requests

void KvServing::on_arrival(void* self, uint64_t request) {
  auto& s = *static_cast<KvServing*>(self);
  sim::progress::report("requests", request, s.spec_.generator ? std::min(s.spec_.generator->requests, s.spec_.max_requests) : 0);
  sim::progress::check_stop();
  if (s.first_arrival_ < 0) s.first_arrival_ = s.simulator_.now();
  const uint32_t w = s.route(static_cast<uint32_t>(request));
  ++s.workers_[w].requests;
  if (s.spec_.discovery.prefetch) s.prefetch_hinted(w, s.trace_.requests[request]);
  s.workers_[w].queue.push_back(static_cast<uint32_t>(request));
  // One arrival is pending at a time, so the event queue stays small for any trace.
  if (s.fetch(request + 1)) {
    const sim::Time next = static_cast<sim::Time>(s.trace_.requests[request + 1].arrival_us) * sim::kMicrosecond;
    s.simulator_.schedule_at(std::max(next, s.simulator_.now()), &on_arrival, self, request + 1);
  }
  s.try_start(w);
}

void KvServing::prefetch_hinted(uint32_t w, const traces::KvRequest& request) {
  if (request.session == 0 || sessions_seen_.find(request.session) == nullptr) return;  // no hint
  cut_into_chunks(request, prefetch_chunks_);
  const uint32_t tiers = tiers_.tier_count();
  for (const Chunk& chunk : prefetch_chunks_) {
    uint32_t found = 0;
    while (found < tiers && tiers_.tier(w, found).resident().find(chunk.key) == kNoSlot) ++found;
    if (found == tiers) break;  // the cached prefix ends
    if (found == 0 || !stored(chunk.key)) continue;
    if (admit(w, 0, chunk, false, 0) == kNoSlot) break;  // the first tier is pinned full
    const uint32_t m = new_move(-1, w);
    moves_[m].raw_bytes = chunk_bytes(chunk);
    moves_[m].prefetch = true;
    moves_[m].key = chunk.key;
    for (uint32_t link : topology_.fetch_path(found)) add_hop(moves_[m], link);
    prefetch_in_flight_[w].find_or_insert(chunk.key, m) = m;
    prefetched_[w].find_or_insert(chunk.key, 1);
    ++prefetched_chunks_;
    prefetch_bytes_ += chunk_bytes(chunk);
    submit_hop(m);
  }
}

uint32_t KvServing::route(uint32_t request) {
  const uint32_t n = static_cast<uint32_t>(workers_.size());
  if (n == 1) return 0;
  auto least_loaded = [&] {
    uint32_t best = 0;
    for (uint32_t w = 1; w < n; ++w)
      if (workers_[w].load() < workers_[best].load()) best = w;
    return best;
  };
  switch (spec_.workers.routing) {
    case KvRouting::kRoundRobin:
      return next_round_robin_++ % n;
    case KvRouting::kLeastLoaded:
      return least_loaded();
    case KvRouting::kPrefixHash: {
      const traces::KvRequest& r = trace_.requests[request];
      if (r.blocks == 0) return least_loaded();
      cut_into_chunks(r, routing_chunks_);
      return static_cast<uint32_t>(sim::mix64(routing_chunks_[0].key) % n);
    }
    case KvRouting::kCacheAware:
      break;
  }
  // The longest prefix held in a worker's own tiers, among workers near the least load.
  cut_into_chunks(trace_.requests[request], routing_chunks_);
  const uint32_t floor = workers_[least_loaded()].load();
  uint32_t best = UINT32_MAX;
  uint64_t best_tokens = 0;
  for (uint32_t w = 0; w < n; ++w) {
    if (workers_[w].load() > floor + spec_.workers.balance) continue;
    uint64_t tokens = 0;
    for (const Chunk& chunk : routing_chunks_) {
      bool held = false;
      for (uint32_t t = 0; t < tiers_.first_shared() && !held; ++t) held = tiers_.tier(w, t).resident().find(chunk.key) != kNoSlot;
      if (!held) break;
      tokens += chunk.tokens;
    }
    if (best == UINT32_MAX || tokens > best_tokens || (tokens == best_tokens && workers_[w].load() < workers_[best].load())) {
      best = w;
      best_tokens = tokens;
    }
  }
  return best;
}

void KvServing::try_start(uint32_t w) {
  Worker& worker = workers_[w];
  const uint32_t first = w * spec_.prefill_slots;
  while (worker.busy < spec_.prefill_slots && worker.head < worker.queue.size()) {
    uint32_t slot = first;
    while (active_[slot].busy) ++slot;
    start(slot, worker.queue[worker.head++]);
  }
  if (worker.head == worker.queue.size()) {
    worker.queue.clear();
    worker.head = 0;
  }
}

void KvServing::cut_into_chunks(const traces::KvRequest& request, std::vector<Chunk>& out) const {
  out.clear();
  const uint64_t* ids = trace_.blocks_of(request);
  const uint32_t per_chunk = spec_.blocks_per_chunk();
  for (uint32_t first = 0; first < request.blocks; first += per_chunk) {
    const uint32_t blocks = std::min(per_chunk, request.blocks - first);
    uint32_t tokens = 0;
    for (uint32_t b = first; b < first + blocks; ++b) tokens += trace_.tokens_in_block(request, b);
    out.push_back(Chunk{traces::chunk_key(ids[first + blocks - 1], blocks, request.ns), blocks, tokens, shape_bytes_per_token_[request.shape]});
  }
}

void KvServing::start(uint32_t slot, uint32_t request_index) {
  const traces::KvRequest& request = trace_.requests[request_index];
  Active& a = active_[slot];
  const uint32_t w = a.worker;
  a.busy = true;
  ++workers_[w].busy;
  a.request = request_index;
  a.start = simulator_.now();
  a.first_byte = 0;
  a.pending = 0;
  a.cached_chunks = 0;
  a.cached_tokens = 0;
  a.pins.clear();
  queue_wait_.push_back(a.start - static_cast<sim::Time>(request.arrival_us) * sim::kMicrosecond);
  Worker& node = workers_[w];
  ++node.started;
  node.tokens += request.input_tokens;
  node.blocks += request.blocks;
  node.queue_wait += queue_wait_.back();
  node.queue_wait_max = std::max(node.queue_wait_max, queue_wait_.back());
  total_blocks_ += request.blocks;
  total_tokens_ += request.input_tokens;
  output_tokens_ += request.output_tokens;
  a.queried = false;
  if (indexer_) {  // the central index answers in its turn: the wait is part of the load
    indexer_->submit(1, TransferDone{&KvServing::on_index_answer, this, slot});
    return;
  }
  on_index_answer(this, slot);
}

// Then, with discovery "always", the remote tiers' answer; then the lookups.
void KvServing::on_index_answer(void* self, uint64_t slot) {
  auto& s = *static_cast<KvServing*>(self);
  Active& a = s.active_[slot];
  if (s.spec_.discovery.mode == DiscoverySpec::Mode::kAlways && !a.queried) {
    a.queried = true;
    ++s.discovery_queries_;
    if (s.spec_.discovery.query_latency > 0) {
      ++s.discovery_delayed_;
      s.simulator_.schedule_after(s.spec_.discovery.query_latency, &KvServing::on_index_answer, self, slot);
      return;
    }
  }
  s.look_up(static_cast<uint32_t>(slot));
}

void KvServing::on_delayed_hop(void* self, uint64_t m) { static_cast<KvServing*>(self)->submit_hop(static_cast<uint32_t>(m)); }

uint32_t KvServing::remote_from() const {
  return spec_.discovery.remote_from != UINT32_MAX ? spec_.discovery.remote_from : tiers_.first_shared();
}

void KvServing::look_up(uint32_t slot) {
  Active& a = active_[slot];
  const uint32_t w = a.worker;
  const traces::KvRequest& request = trace_.requests[a.request];
  // Nothing streams before the index answered: the first byte comes after that wait.
  const sim::Time waited = simulator_.now() - a.start;
  a.first_byte = waited;
  cut_into_chunks(request, a.chunks);
  release_looked_up(a.request);
  if (spec_.store_after_hits)
    for (const Chunk& chunk : a.chunks) ++requested_.find_or_insert(chunk.key, 0);

  // With load_policy "when_faster", how much of the cached prefix to load (looked at
  // without touching the tiers); the rest is recomputed.
  const uint32_t tiers = tiers_.tier_count();
  const uint32_t load_limit = spec_.load_when_faster ? choose_split(w, a.chunks, request) : UINT32_MAX;
  // Discovery: whether the walk reaches the remote tiers, and whether their holdings are
  // known already (always: queried before; hint: the session's earlier request hinted them).
  const DiscoverySpec::Mode mode = spec_.discovery.mode;
  bool remote_walk = false, delayed = false;
  bool remote_known = mode == DiscoverySpec::Mode::kLocal || mode == DiscoverySpec::Mode::kAlways;
  if (mode == DiscoverySpec::Mode::kHint && request.session != 0) {
    remote_known = sessions_seen_.find(request.session) != nullptr;
    sessions_seen_.find_or_insert(request.session, 1);
  }
  // The longest cached prefix, each chunk from the first tier that holds it.
  for (uint32_t c = 0; c < a.chunks.size(); ++c) {
    const Chunk& chunk = a.chunks[c];
    ++chunk_lookups_;
    const int64_t now = clock_++;
    uint32_t found = tiers;
    Slot where = kNoSlot;
    for (uint32_t t = 0; t < tiers && found == tiers; ++t) {
      where = tiers_.tier(w, t).lookup(chunk.key, now);
      if (where != kNoSlot) found = t;
    }
    if (found >= remote_from()) remote_walk = true;
    if (found == tiers) break;
    for (uint32_t t = found + 1; t < tiers; ++t) {  // tiers told of uses above them
      Tier& below = tiers_.tier(w, t);
      if (!below.spec().refresh_on_hit_above) continue;
      const Slot copy = below.resident().find(chunk.key);
      if (copy != kNoSlot) below.refresh(copy, now);
    }
    hit_blocks_[found] += chunk.blocks;
    hit_tokens_[found] += chunk.tokens;
    workers_[w].hit_blocks += chunk.blocks;
    workers_[w].hit_tokens += chunk.tokens;
    if (c >= load_limit) {  // held, but recomputing from here is faster
      ++recomputed_[found];
      continue;
    }
    ++loaded_[found];
    ++workers_[w].loaded_chunks;
    ++a.cached_chunks;
    a.cached_tokens += chunk.tokens;
    if (found == 0) {
      tiers_.tier(w, 0).resident().pin(where);
      a.pins.push_back(Pin{tiers_.tier_id(w, 0), where});
      if (spec_.discovery.prefetch) {
        if (prefetched_[w].erase(chunk.key)) ++prefetch_used_;
        if (const uint32_t* m = prefetch_in_flight_[w].find(chunk.key)) {  // still on its way: wait for it
          moves_[*m].waiters.push_back(slot);
          ++a.pending;
          ++prefetch_waits_;
        }
      }
      continue;
    }
    // Load it up into the first tier, which keeps it (pinned) for the request. An exclusive
    // hierarchy moves the chunk: it leaves the tier it was read from once it has a place
    // above (a shared pool keeps its copy for the other workers, as does a copy another
    // request's load has pinned); pinned meanwhile, so the victims moving down make room
    // around it.
    const bool moves = topology_.exclusive() && found < tiers_.first_shared();
    Tier& from = tiers_.tier(w, found);
    if (moves) from.resident().pin(where);
    const Slot landed = admit(w, 0, chunk, /*pin=*/true, slot);
    if (moves) {
      from.resident().unpin(where);
      if (landed != kNoSlot && from.resident().pins(where) == 0) from.remove(where);
    }
    if (landed == kNoSlot) ++bypassed_;
    const uint32_t m = new_move(static_cast<int32_t>(slot), w);
    moves_[m].raw_bytes = chunk_bytes(chunk);
    workers_[w].loaded_bytes += chunk_bytes(chunk);
    sim::Time path_latency = 0;
    for (uint32_t link : topology_.fetch_path(found)) {
      add_hop(moves_[m], link);
      const ILink& l = topology_.link(link);
      path_latency += l.spec().delivery_latency(l.bytes_on_wire(chunk_bytes(chunk)));
    }
    // A remote chunk known only from the remote query (prefix_map, or hint without one)
    // starts moving once that query answers.
    const sim::Time asked = found >= remote_from() && !remote_known ? spec_.discovery.query_latency : 0;
    if (asked > 0 && !delayed) {
      delayed = true;
      ++discovery_delayed_;
    }
    a.first_byte = std::max(a.first_byte, sim::saturating_add(sim::saturating_add(waited, asked), path_latency));
    ++a.pending;
    if (asked > 0) {
      simulator_.schedule_after(asked, &KvServing::on_delayed_hop, this, m);
    } else {
      submit_hop(m);
    }
  }
  if (remote_walk && (spec_.discovery.mode == DiscoverySpec::Mode::kPrefixMap ||
                      (spec_.discovery.mode == DiscoverySpec::Mode::kHint && !remote_known))) {
    ++discovery_queries_;  // a local miss asked the remote tiers (beside the compute)
  }
  if (a.pending == 0) loads_done(slot);
}

uint32_t KvServing::choose_split(uint32_t w, const std::vector<Chunk>& chunks, const traces::KvRequest& request) {
  const uint64_t input_tokens = request.input_tokens;
  // Each chunk's estimated arrival over its fetch path, behind what each link still has to
  // deliver (its backlog, spread over its channels) and the chunks before it.
  found_.clear();
  for (const Chunk& chunk : chunks) {
    uint32_t t = 0;
    while (t < tiers_.tier_count() && tiers_.tier(w, t).resident().find(chunk.key) == kNoSlot) ++t;
    if (t == tiers_.tier_count()) break;
    found_.push_back(t);
  }
  prefix_.clear();
  link_ready_.assign(tiers_.link_count(), -1);
  for (uint32_t c = 0; c < found_.size(); ++c) {
    PrefixChunk p;
    p.tokens = chunks[c].tokens;
    if (found_[c] > 0) {
      sim::Time t = 0;
      for (uint32_t link : topology_.fetch_path(found_[c])) {
        const ILink& l = tiers_.link(w, link);
        const LinkSpec& spec = l.spec();
        // A fifo link has `channels` servers at its bandwidth; a shared one shares its bandwidth.
        const uint32_t servers = spec.sharing == Sharing::kFifo ? spec.channels : 1;
        if (link_ready_[link] < 0) {
          const LinkTotals totals = l.totals();
          link_ready_[link] = sim::transfer_time(totals.bytes - totals.delivered_bytes, spec.bandwidth_Bps * servers);
        }
        const uint64_t wire = l.bytes_on_wire(chunk_bytes(chunks[c]));
        const sim::Time start = std::max(t, link_ready_[link]);
        const sim::Time service = spec.service_time(wire);
        link_ready_[link] = sim::saturating_add(start, service / servers);
        t = sim::saturating_add(sim::saturating_add(start, service), spec.delivery_latency(wire));
        p.first_byte += spec.delivery_latency(wire);
      }
      p.arrival = t;
    }
    prefix_.push_back(p);
  }
  const uint32_t shape = request.shape;
  const LoadChoice choice = choose_load(prefix_, input_tokens, shape_prefill_[shape], spec_.layerwise, shape_layers_[shape],
                                        !spec_.load_when_faster);
  estimated_saving_ += choice.always - choice.estimate;
  return choice.chunks;
}

void KvServing::loads_done(uint32_t slot) {
  Active& a = active_[slot];
  const traces::KvRequest& request = trace_.requests[a.request];
  const uint64_t input = request.input_tokens;
  const uint64_t cached = input > 0 ? std::min<uint64_t>(a.cached_tokens, input - 1) : 0;
  const uint64_t fresh = input - cached;
  const sim::Time load = simulator_.now() - a.start;
  const sim::Time compute = shape_prefill_[request.shape].time(cached, fresh);
  const sim::Time finish =
      sim::saturating_add(a.start, first_token_after(load, a.first_byte, compute, spec_.layerwise, shape_layers_[request.shape]));
  prefill_tokens_ += fresh;
  saved_tokens_ += cached;
  load_total_ += load;
  load_time_.record(static_cast<uint64_t>(load));
  compute_total_ += compute;
  a.load = load;
  a.compute = compute;
  if (decode_) {
    const sim::Time compute_start = std::max(a.start, finish - compute);
    decode_->prefill_scheduled(a.request, a.worker, static_cast<sim::Time>(request.arrival_us) * sim::kMicrosecond, compute_start,
                               finish, input, request.output_tokens, request.shape);
  }
  simulator_.schedule_at(finish, &on_first_token, this, slot);
}

void KvServing::on_first_token(void* self, uint64_t slot_index) {
  auto& s = *static_cast<KvServing*>(self);
  Active& a = s.active_[slot_index];
  const traces::KvRequest& request = s.trace_.requests[a.request];
  const sim::Time now = s.simulator_.now();
  s.ttft_.push_back(now - static_cast<sim::Time>(request.arrival_us) * sim::kMicrosecond);
  s.last_token_ = std::max(s.last_token_, now);
  if (!s.decode_ || request.output_tokens <= 1) s.note_served(now);  // else when its decode finishes
  if (s.spec_.request_log) {
    RequestRecord& r = s.records_[a.request];
    r.worker = a.worker;
    r.slot = static_cast<uint32_t>(slot_index - a.worker * s.spec_.prefill_slots);
    r.start = a.start;
    r.first_token = now;
    r.load = a.load;
    r.compute = a.compute;
    r.cached_tokens = a.cached_tokens;
    r.cached_chunks = a.cached_chunks;
    r.chunks = static_cast<uint32_t>(a.chunks.size());
  }
  // The computed chunks now sit in the first tier; every chunk goes down by the write policy.
  const uint32_t w = a.worker;
  auto& first = s.tiers_.tier(w, 0).resident();
  for (size_t c = a.cached_chunks; c < a.chunks.size(); ++c) {
    const Slot present = first.find(a.chunks[c].key);
    if (present != kNoSlot) {
      first.hit(present, s.clock_++);
    } else if (s.admit(w, 0, a.chunks[c], false, 0) == kNoSlot) {
      ++s.bypassed_;
    }
  }
  if (!s.spec_.write_through.empty())
    for (const Chunk& chunk : a.chunks) s.write_through(w, chunk);
  if (!s.replication_.empty()) s.replicate(w, a.chunks, a.cached_chunks);
  for (const Pin& p : a.pins) s.tiers_.tier_by_id(p.tier_id).resident().unpin(p.slot);
  a.pins.clear();
  a.busy = false;
  --s.workers_[w].busy;
  s.try_start(w);
}

// ---------------------------------------------------------------- residency

void KvServing::account_storage(uint32_t id) {
  const sim::Time now = simulator_.now();
  byte_seconds_[id] += static_cast<long double>(tiers_.tier_by_id(id).resident().used_bytes()) * (now - accounted_at_[id]);
  accounted_at_[id] = now;
}

void KvServing::on_tier_change(void* self, uint64_t tier_id) {
  static_cast<KvServing*>(self)->account_storage(static_cast<uint32_t>(tier_id));
}

Slot KvServing::admit(uint32_t w, uint32_t t, const Chunk& chunk, bool pin, uint32_t slot_owner) {
  CacheHierarchy& hierarchy = *hierarchies_[w];
  ResidentSet<EvictionPolicy>& resident = hierarchy.tier(t).resident();
  Slot slot = resident.find(chunk.key);
  if (slot == kNoSlot) {
    const uint64_t bytes = hierarchy.tier(t).spec().compression.stored_bytes(chunk_bytes(chunk));
    slot = hierarchy.admit(t, chunk.key, bytes, resident.guard(0, false));
    if (slot == kNoSlot) return kNoSlot;
  }
  if (pin) {
    resident.pin(slot);
    active_[slot_owner].pins.push_back(Pin{tiers_.tier_id(w, t), slot});
  }
  return slot;
}

// A victim that no lower tier holds goes one tier down (write-back).
void KvServing::WorkerRules::on_victim(uint32_t tier, const Evicted& victim) {
  CacheHierarchy& hierarchy = *serving->hierarchies_[worker];
  if (tier == 0 && serving->spec_.discovery.prefetch) {  // a prefetch evicted before its request used it
    serving->prefetch_in_flight_[worker].erase(victim.key);
    if (serving->prefetched_[worker].erase(victim.key)) ++serving->prefetch_wasted_;
  }
  const bool moves_down = serving->spec_.write_back || serving->topology_.exclusive();  // exclusive: a victim cache below
  if (moves_down && tier + 1 < hierarchy.size() && !hierarchy.held_below(tier, victim.key)) {
    if (!serving->stored(victim.key)) {  // not reused often enough to keep
      ++serving->unstored_;
      return;
    }
    hierarchy.write_down(tier, victim);
  }
}

void KvServing::WorkerRules::move_down(uint32_t from, uint32_t, uint64_t, uint64_t bytes, bool) {
  const uint32_t m = serving->new_move(-1, worker);
  serving->moves_[m].raw_bytes = bytes;
  serving->add_hop(serving->moves_[m], serving->topology_.writeback_link(from));
  serving->submit_hop(m);
}

void KvServing::write_through(uint32_t w, const Chunk& chunk) {
  if (!stored(chunk.key)) return;
  // Start from the deepest tier above the first missing target that holds the chunk
  // (the first tier always does, having just used it).
  uint32_t first_missing = UINT32_MAX, deepest = 0;
  for (uint32_t t : spec_.write_through) {
    if (tiers_.tier(w, t).resident().find(chunk.key) != kNoSlot) continue;
    first_missing = std::min(first_missing, t);
    deepest = std::max(deepest, t);
  }
  if (first_missing == UINT32_MAX) return;
  uint32_t source = 0;
  for (uint32_t t = 1; t < first_missing; ++t)
    if (tiers_.tier(w, t).resident().find(chunk.key) != kNoSlot) source = t;
  const uint32_t m = new_move(-1, w);
  moves_[m].raw_bytes = chunk_bytes(chunk);
  for (uint32_t t = source; t < deepest; ++t) add_hop(moves_[m], topology_.writeback_link(t));
  submit_hop(m);
  for (uint32_t t : spec_.write_through) {
    if (t > deepest || tiers_.tier(w, t).resident().find(chunk.key) != kNoSlot) continue;
    tiers_.tier(w, t).count_written();
    admit(w, t, chunk, false, 0);
  }
}

void KvServing::replicate(uint32_t w, const std::vector<Chunk>& chunks, size_t first) {
  const uint32_t t = spec_.workers.replicate_into;
  for (size_t c = first; c < chunks.size(); ++c) {
    if (!stored(chunks[c].key)) continue;
    for (uint32_t k = 1; k < spec_.workers.replicas; ++k) {
      const uint32_t target = (w + k) % spec_.workers.count;
      if (tiers_.tier(target, t).resident().find(chunks[c].key) != kNoSlot) continue;
      if (admit(target, t, chunks[c], false, 0) == kNoSlot) continue;
      tiers_.tier(target, t).count_written();
      const uint64_t bytes = chunk_bytes(chunks[c]);
      replication_[w]->submit(bytes, TransferDone{}, Priority::kBackground);
      ++replicated_chunks_;
      replica_bytes_ += bytes;
      ++workers_[w].replicas_out;
      ++workers_[target].replicas_in;
    }
  }
}

// ---------------------------------------------------------------- transfers

uint32_t KvServing::new_move(int32_t owner, uint32_t worker) {
  const uint32_t m = moves_.acquire();
  Move& move = moves_[m];
  move.raw_bytes = 0;
  move.count = move.next = 0;
  move.owner = owner;
  move.worker = static_cast<uint16_t>(worker);
  move.prefetch = false;
  move.waiters.clear();
  return m;
}

void KvServing::add_hop(Move& move, uint32_t link_index) { move.hops[move.count++] = static_cast<uint16_t>(link_index); }

void KvServing::submit_hop(uint32_t m) {
  Move& move = moves_[m];
  if (move.count == 0) {  // nothing to move (a write whose source is its target)
    moves_.release(m);
    return;
  }
  tiers_.link(move.worker, move.hops[move.next])
      .submit(TransferRequest{move.raw_bytes}, TransferDone{&on_hop_done, this, m},
              move.owner >= 0 ? Priority::kDemand : Priority::kBackground);
}

void KvServing::on_hop_done(void* self, uint64_t m) {
  auto& s = *static_cast<KvServing*>(self);
  Move& move = s.moves_[m];
  if (++move.next < move.count) {
    s.submit_hop(static_cast<uint32_t>(m));
    return;
  }
  const int32_t owner = move.owner;
  if (move.prefetch) {
    const uint32_t* in_flight = s.prefetch_in_flight_[move.worker].find(move.key);
    if (in_flight && *in_flight == m) s.prefetch_in_flight_[move.worker].erase(move.key);
    const std::vector<uint32_t> waiters = std::move(move.waiters);
    s.moves_.release(static_cast<uint32_t>(m));
    for (uint32_t slot : waiters)
      if (--s.active_[slot].pending == 0) s.loads_done(slot);
    return;
  }
  s.moves_.release(static_cast<uint32_t>(m));
  if (owner >= 0 && --s.active_[owner].pending == 0) s.loads_done(static_cast<uint32_t>(owner));
}

// ---------------------------------------------------------------- results

namespace {

double ratio(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

}  // namespace

std::string KvServing::build_request_log() const {
  std::string log = "request,worker,slot,arrival_us,start_us,first_token_us,ttft_us,queue_wait_us,load_us,compute_us,input_tokens,"
                    "cached_tokens,cached_chunks,chunks";
  log += decode_ ? ",output_tokens,decode_start_us,last_token_us\n" : "\n";
  for (uint32_t i = 0; i < records_.size(); ++i) {
    const RequestRecord& r = records_[i];
    if (r.first_token < 0) continue;  // never served (the run ended first)
    const traces::KvRequest& request = trace_.requests[i];
    const sim::Time arrival = static_cast<sim::Time>(request.arrival_us) * sim::kMicrosecond;
    std::vector<Metrics::Value> fields = {uint64_t{i}, uint64_t{r.worker}, uint64_t{r.slot}, us(arrival), us(r.start),
                                          us(r.first_token), us(r.first_token - arrival), us(r.start - arrival), us(r.load),
                                          us(r.compute), uint64_t{request.input_tokens}, r.cached_tokens,
                                          uint64_t{r.cached_chunks}, uint64_t{r.chunks}};
    if (decode_) {
      fields.push_back(uint64_t{request.output_tokens});
      fields.push_back(decode_->decode_start(i) < 0 ? Metrics::Value(std::string()) : Metrics::Value(us(decode_->decode_start(i))));
      fields.push_back(decode_->last_token(i) < 0 ? Metrics::Value(std::string()) : Metrics::Value(us(decode_->last_token(i))));
    }
    for (size_t f = 0; f < fields.size(); ++f) {
      if (f) log += ',';
      log += Metrics::format(fields[f]);
    }
    log += '\n';
  }
  return log;
}

std::string KvServing::nodes_csv() const {
  if (workers_.size() < 2) return {};
  std::string csv = "node,requests,input_tokens,block_lookups,hit_blocks,hit_ratio_blocks,hit_ratio_tokens,loaded_chunks,"
                    "queue_wait_mean_us,queue_wait_max_us,replicas_out,replicas_in,loaded_bytes,stored_bytes_end\n";
  for (size_t w = 0; w < workers_.size(); ++w) {
    const Worker& n = workers_[w];
    uint64_t stored = 0;  // in the node's own tiers
    for (uint32_t t = 0; t < tiers_.first_shared(); ++t) stored += tiers_.tier(static_cast<uint32_t>(w), t).resident().used_bytes();
    const std::vector<Metrics::Value> fields = {
        uint64_t{w}, n.started, n.tokens, n.blocks, n.hit_blocks, ratio(double(n.hit_blocks), double(n.blocks)),
        ratio(double(n.hit_tokens), double(n.tokens)), n.loaded_chunks,
        n.started ? us(n.queue_wait) / double(n.started) : 0.0, us(n.queue_wait_max), n.replicas_out, n.replicas_in,
        n.loaded_bytes, stored};
    for (size_t f = 0; f < fields.size(); ++f) {
      if (f) csv += ',';
      csv += Metrics::format(fields[f]);
    }
    csv += '\n';
  }
  return csv;
}

void KvServing::note_served(sim::Time now) {
  // The links are read once, when the last is served (the source has ended by then: the
  // last request's arrival asked it for the next).
  if (++served_ < trace_.requests.size() || !source_done_) return;
  service_end_ = now;
  served_links_.resize(tiers_.link_count());
  for (uint32_t l = 0; l < tiers_.link_count(); ++l) {
    served_links_[l].resize(tiers_.link_instances(l));
    for (uint32_t w = 0; w < tiers_.link_instances(l); ++w) served_links_[l][w] = tiers_.link(w, l).totals();
  }
  served_codec_ = codec_totals(topology_);
}

Metrics KvServing::metrics() const {
  Metrics m;
  const sim::Time end = simulator_.now();
  const double served_s = sim::to_seconds(last_token_ - std::max<sim::Time>(first_arrival_, 0));
  const size_t requests = ttft_.size();
  m.add("requests", static_cast<uint64_t>(requests));
  m.add("input_tokens", total_tokens_);
  m.add("output_tokens", output_tokens_);
  m.add("block_lookups", total_blocks_);
  m.add("chunk_lookups", chunk_lookups_);
  uint64_t hit_blocks = 0, hit_tokens = 0;
  for (size_t t = 0; t < hit_blocks_.size(); ++t) {
    hit_blocks += hit_blocks_[t];
    hit_tokens += hit_tokens_[t];
  }
  m.add("hit_ratio_blocks", ratio(double(hit_blocks), double(total_blocks_)));
  m.add("hit_ratio_tokens", ratio(double(hit_tokens), double(total_tokens_)));
  m.add("prefill_tokens", prefill_tokens_);
  m.add("prefill_tokens_saved", saved_tokens_);
  m.add("prefill_saved_fraction", ratio(double(saved_tokens_), double(total_tokens_)));
  m.add("load_policy", spec_.load_when_faster ? "when_faster" : "always");
  uint64_t recomputed = 0;
  for (uint64_t r : recomputed_) recomputed += r;
  m.add("recomputed_chunks", recomputed);
  m.add("ttft_saved_estimate_mean_us", ttft_.empty() ? 0.0 : us(estimated_saving_) / double(ttft_.size()));
  std::vector<sim::Time> sorted = ttft_;
  std::sort(sorted.begin(), sorted.end());
  m.add("ttft_mean_us", us(static_cast<sim::Time>(std::llround(sim::mean_of(ttft_)))));
  m.add("ttft_p50_us", us(sim::nearest_rank(sorted, 0.50)));
  m.add("ttft_p90_us", us(sim::nearest_rank(sorted, 0.90)));
  m.add("ttft_p99_us", us(sim::nearest_rank(sorted, 0.99)));
  m.add("ttft_max_us", us(sorted.empty() ? 0 : sorted.back()));
  std::vector<sim::Time> waits = queue_wait_;
  std::sort(waits.begin(), waits.end());
  m.add("queue_wait_mean_us", us(static_cast<sim::Time>(std::llround(sim::mean_of(queue_wait_)))));
  m.add("queue_wait_p99_us", us(sim::nearest_rank(waits, 0.99)));
  static const char* const discovery_modes[] = {"local", "always", "prefix_map", "hint"};
  m.add("discovery", discovery_modes[static_cast<uint32_t>(spec_.discovery.mode)]);
  if (spec_.discovery.mode != DiscoverySpec::Mode::kLocal) {
    m.add("discovery_queries", discovery_queries_);
    if (spec_.discovery.prefetch) {
      m.add("discovery_prefetched_chunks", prefetched_chunks_);
      m.add("discovery_prefetch_bytes", prefetch_bytes_);
      m.add("discovery_prefetch_used", prefetch_used_);
      m.add("discovery_prefetch_wasted", prefetch_wasted_);
      m.add("discovery_prefetch_waits", prefetch_waits_);
    }
    m.add("discovery_delayed_requests", discovery_delayed_);
    m.add("discovery_miss_cost_mean_us",
          requests ? us(spec_.discovery.query_latency) * double(discovery_delayed_) / double(requests) : 0.0);
  }
  m.add("index", spec_.index.pooled ? "pooled" : "distributed");
  if (indexer_) {  // the central index: each lookup's wait in its queue and service
    const LinkStats index = indexer_->stats();
    m.add("index_lookups", index.operations);
    m.add("index_wait_mean_us", us(static_cast<sim::Time>(index.latency.mean())));
    m.add("index_wait_p99_us", us(static_cast<sim::Time>(index.latency.quantile(0.99))));
    m.add("index_queue_max", index.max_queued);
    m.add("index_utilization", end > 0 ? double(index.service_time) / double(end) / double(spec_.index.servers) : 0.0);
  }
  m.add("load_time_mean_us", requests ? us(load_total_) / double(requests) : 0.0);
  m.add("prefill_compute_mean_us", requests ? us(compute_total_) / double(requests) : 0.0);
  // Service ends with the last request served; links still moving writes after that are
  // the drain, reported apart (the links' columns cover the served window): its length and
  // the bytes not yet delivered when service ended.
  const sim::Time served_end = service_end_ >= 0 ? service_end_ : end;
  m.add("sim_time_s", sim::to_seconds(served_end));
  m.add("drain_s", sim::to_seconds(end - served_end));
  uint64_t drain_bytes = 0;
  for (uint32_t l = 0; l < served_links_.size(); ++l) {
    for (uint32_t w = 0; w < served_links_[l].size(); ++w) {
      drain_bytes += tiers_.link(w, l).totals().bytes - served_links_[l][w].delivered_bytes;
    }
  }
  m.add("drain_bytes", drain_bytes);
  m.add("throughput_rps", served_s > 0 ? double(requests) / served_s : 0.0);
  m.add("input_tokens_per_s", served_s > 0 ? double(total_tokens_) / served_s : 0.0);
  m.add("l1_bypassed_chunks", bypassed_);
  m.add("store_after_hits", static_cast<uint64_t>(spec_.store_after_hits));
  m.add("unstored_chunks", unstored_);
  uint64_t fewest = UINT64_MAX, most = 0;
  for (const Worker& w : workers_) {
    fewest = std::min(fewest, w.requests);
    most = std::max(most, w.requests);
  }
  m.add("prefill_workers", static_cast<uint64_t>(workers_.size()));
  m.add("worker_requests_min", fewest);
  m.add("worker_requests_max", most);
  m.add("replicas", uint64_t{spec_.workers.replicas});
  m.add("replicated_chunks", replicated_chunks_);
  m.add("replica_bytes", replica_bytes_);

  const double months = sim::to_seconds(end) / 3600.0 / 730.0;  // a billing month: 730 hours
  double storage_cost = 0;
  for (uint32_t t = 0; t < tiers_.tier_count(); ++t) {
    // A tier each worker has its own of reports the sum over its instances.
    const std::string& n = topology_.tier(t).name();
    TierStats s;
    long double byte_seconds = 0;
    uint64_t stored_end = 0;
    for (uint32_t w = 0; w < tiers_.tier_instances(t); ++w) {
      const Tier& tier = tiers_.tier(w, t);
      s += tier.stats();
      byte_seconds += byte_seconds_[tiers_.tier_id(w, t)];
      stored_end += tier.resident().used_bytes();
    }
    m.add(n + "_hit_ratio_blocks", ratio(double(hit_blocks_[t]), double(total_blocks_)));
    m.add(n + "_hit_ratio_tokens", ratio(double(hit_tokens_[t]), double(total_tokens_)));
    m.add(n + "_loaded_chunks", loaded_[t]);
    m.add(n + "_recomputed_chunks", recomputed_[t]);
    m.add(n + "_hits", s.hits);
    m.add(n + "_misses", s.misses);
    m.add(n + "_inserts", s.inserts);
    m.add(n + "_evictions", s.evictions);
    m.add(n + "_writebacks", s.writebacks);
    m.add(n + "_written", s.written);
    const double mean_bytes = end > 0 ? static_cast<double>(byte_seconds / end) : 0.0;
    m.add(n + "_stored_bytes_mean", mean_bytes);
    m.add(n + "_stored_bytes_end", stored_end);
    const double cost = mean_bytes / 1e9 * months * spec_.cost.storage_usd_per_gb_month[t];
    storage_cost += cost;
    m.add(n + "_storage_cost_usd", cost);
  }
  const ObjectStoreGate& store = topology_.object_store();
  add_store_request_metrics(m, topology_);
  const double request_cost =
      double(store.gets()) / 1000.0 * spec_.cost.get_usd_per_1000 + double(store.puts()) / 1000.0 * spec_.cost.put_usd_per_1000;
  m.add("request_cost_usd", request_cost);
  m.add("storage_cost_usd", storage_cost);
  m.add("total_cost_usd", storage_cost + request_cost);
  for (uint32_t l = 0; l < tiers_.link_count(); ++l) {
    LinkStats total;
    for (uint32_t w = 0; w < tiers_.link_instances(l); ++w) accumulate(total, tiers_.link(w, l).stats());
    if (l < served_links_.size()) total = over_window(total, served_links_[l]);  // latencies: every transfer's
    add_link_metrics(m, topology_.link(l).spec().name, total, served_end, tiers_.link_instances(l));
  }
  if (!replication_.empty()) {
    LinkStats total;
    for (const auto& link : replication_) accumulate(total, link->stats());
    add_link_metrics(m, "kv_replication", total, served_end, static_cast<uint32_t>(replication_.size()));
  }
  add_codec_metrics(m, topology_, served_end, service_end_ >= 0 ? &served_codec_ : nullptr);
  if (decode_) decode_->add_metrics(m, served_end);
  return m;
}

std::string KvServing::histograms_csv() const {
  HistogramTable table;
  table.add("ttft", "us", histogram_of(ttft_), 1e6);
  table.add("queue_wait", "us", histogram_of(queue_wait_), 1e6);
  table.add("load_time", "us", load_time_, 1e6);
  if (decode_) decode_->add_histograms(table);
  return table.csv();
}

}  // namespace tiersim::models
