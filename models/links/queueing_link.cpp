#include "models/links/queueing_link.h"

#include <algorithm>

#include "models/links/link_model_registry.h"

namespace tiersim::models {

using u128 = unsigned __int128;

// Before its first transfer a link counts as idle since long before the run began: at
// least `wake_after` before time 0.
QueueingLink::QueueingLink(sim::Simulator& simulator, LinkSpec spec)
    : simulator_(simulator), spec_(std::move(spec)), idle_since_(-spec_.wake_after) {}

LinkStats QueueingLink::stats() const {
  LinkStats s = stats_;
  if (active_ > 0) s.busy_time += simulator_.now() - busy_since_;
  if (in_flight_ > 0) s.in_flight_time += simulator_.now() - in_flight_since_;
  return s;
}

LinkTotals QueueingLink::totals() const {
  LinkTotals t{stats_.bytes, stats_.operations, stats_.busy_time, stats_.in_flight_time, stats_.service_time, delivered_bytes_};
  if (active_ > 0) t.busy_time += simulator_.now() - busy_since_;
  if (in_flight_ > 0) t.in_flight_time += simulator_.now() - in_flight_since_;
  return t;
}

uint32_t QueueingLink::allocate(uint64_t bytes, TransferDone done, bool background) {
  const uint32_t id = transfers_.acquire();
  // Field by field: a whole-struct temporary is built on the stack and copied back in
  // 16-byte moves that stall on the smaller stores just made (store-to-load forwarding).
  Transfer& t = transfers_[id];
  t.bytes = bytes;
  t.done = done;
  t.submitted = simulator_.now();
  t.started = 0;
  t.finish_tag = 0;
  t.background = background;
  t.left = bytes;
  t.epoch = 0;
  return id;
}

void QueueingLink::mark_active(int delta) {
  if (delta > 0 && active_ == 0) busy_since_ = simulator_.now();
  active_ = static_cast<uint32_t>(static_cast<int>(active_) + delta);
  if (delta < 0 && active_ == 0) {
    stats_.busy_time += simulator_.now() - busy_since_;
    idle_since_ = simulator_.now();
  }
}

sim::Time QueueingLink::wake_cost() const {
  if (spec_.wake_latency == 0 || active_ > 0) return 0;
  return simulator_.now() - idle_since_ >= spec_.wake_after ? spec_.wake_latency : 0;
}

void QueueingLink::submit(const TransferRequest& request, TransferDone done, Priority priority) {
  const uint64_t bytes = request.bytes;
  const bool background = priority == Priority::kBackground;
  const uint32_t id = allocate(bytes, done, background);
  stats_.bytes += bytes;
  ++stats_.operations;
  const bool yields = background && spec_.sharing == Sharing::kShared && active_demand_ > 0;
  if (active_ < spec_.channels && !yields) {
    start(id);
  } else if (!background && spec_.sharing == Sharing::kFifo && preempt_background()) {
    start(id);
  } else {
    (background ? background_ : waiting_).push_back(id);
    stats_.max_queued = std::max<uint64_t>(stats_.max_queued, queued());
  }
}

bool QueueingLink::can_start_next() const {
  if (!waiting_.empty()) return true;
  return !background_.empty() && (spec_.sharing == Sharing::kFifo || active_demand_ == 0);
}

uint32_t QueueingLink::next_waiting() {
  std::deque<uint32_t>& from = waiting_.empty() ? background_ : waiting_;
  const uint32_t next = from.front();
  from.pop_front();
  return next;
}

void QueueingLink::start(uint32_t id) {
  Transfer& t = transfers_[id];
  t.started = simulator_.now();
  if (!t.background) ++active_demand_;
  if (in_flight_++ == 0) in_flight_since_ = t.started;
  const sim::Time wake = wake_cost();
  if (spec_.sharing == Sharing::kFifo) {
    mark_active(+1);
    const sim::Time service = sim::saturating_add(spec_.service_time(t.left), wake);
    ++t.epoch;
    if (t.background) background_in_service_.push_back(id);
    simulator_.schedule_after(service, &QueueingLink::on_service_end, this, (uint64_t{t.epoch} << 32) | id);
    return;
  }
  advance_virtual_time();
  // Work in bytes * 10^12 at the link's full rate (a small transfer's own line converted).
  const u128 work = spec_.is_small(t.bytes) ? static_cast<u128>(spec_.service_time(t.bytes)) * spec_.bandwidth_Bps
                                            : static_cast<u128>(t.bytes) * static_cast<uint64_t>(sim::kSecond) +
                                                  static_cast<u128>(spec_.per_io_overhead) * spec_.bandwidth_Bps;
  t.finish_tag = virtual_work_ + work + static_cast<u128>(wake) * spec_.bandwidth_Bps;
  mark_active(+1);
  active_heap_.push_back(id);
  auto later = [this](uint32_t a, uint32_t b) {
    const Transfer& x = transfers_[a];
    const Transfer& y = transfers_[b];
    return x.finish_tag != y.finish_tag ? x.finish_tag > y.finish_tag : a > b;
  };
  std::push_heap(active_heap_.begin(), active_heap_.end(), later);
  plan_next_completion();
}

void QueueingLink::on_service_end(void* self, uint64_t argument) {
  QueueingLink& link = *static_cast<QueueingLink*>(self);
  const uint32_t id = static_cast<uint32_t>(argument);
  if (link.transfers_[id].epoch != static_cast<uint32_t>(argument >> 32)) return;  // preempted since
  link.finish_service(id);
}

bool QueueingLink::preempt_background() {
  if (background_in_service_.empty()) return false;
  const uint32_t id = background_in_service_.back();
  background_in_service_.pop_back();
  Transfer& t = transfers_[id];
  const sim::Time now = simulator_.now();
  // The bytes it moved so far, after its per-I/O overhead; the rest is served on resuming.
  const sim::Time moving = now - t.started - spec_.per_io_overhead;
  const double moved = moving > 0 ? sim::to_seconds(moving) * static_cast<double>(spec_.bandwidth_Bps) : 0.0;
  const uint64_t done = std::min<uint64_t>(t.left - 1, static_cast<uint64_t>(moved));
  t.left -= done;
  ++t.epoch;  // its end event is now stale
  stats_.service_time += now - t.started;
  if (--in_flight_ == 0) stats_.in_flight_time += now - in_flight_since_;
  mark_active(-1);
  background_.push_front(id);
  return true;
}

void QueueingLink::finish_service(uint32_t id) {
  if (transfers_[id].background) {
    auto it = std::find(background_in_service_.begin(), background_in_service_.end(), id);
    if (it != background_in_service_.end()) background_in_service_.erase(it);
  }
  stats_.service_time += simulator_.now() - transfers_[id].started;
  if (!transfers_[id].background) --active_demand_;
  mark_active(-1);
  if (can_start_next()) start(next_waiting());
  deliver(id);
}

void QueueingLink::deliver(uint32_t id) {
  const sim::Time latency = spec_.delivery_latency(transfers_[id].bytes);
  if (latency == 0) {
    complete(id);
  } else {
    simulator_.schedule_after(latency, &QueueingLink::on_delivered, this, id);
  }
}

void QueueingLink::on_delivered(void* self, uint64_t id) { static_cast<QueueingLink*>(self)->complete(static_cast<uint32_t>(id)); }

void QueueingLink::complete(uint32_t id) {
  // What the callback needs, copied out: it may submit a transfer that takes this slot.
  const TransferDone done = transfers_[id].done;
  const sim::Time submitted = transfers_[id].submitted;
  delivered_bytes_ += transfers_[id].bytes;
  transfers_.release(id);
  if (--in_flight_ == 0) stats_.in_flight_time += simulator_.now() - in_flight_since_;
  stats_.latency.record(static_cast<uint64_t>(simulator_.now() - submitted));
  if (done.fn) done.fn(done.context, done.argument);
}

void QueueingLink::advance_virtual_time() {
  const sim::Time now = simulator_.now();
  if (active_ > 0) {
    virtual_work_ += static_cast<u128>(now - virtual_updated_) * spec_.bandwidth_Bps / active_;
  }
  virtual_updated_ = now;
}

void QueueingLink::plan_next_completion() {
  ++generation_;
  if (active_heap_.empty()) return;
  const Transfer& first = transfers_[active_heap_.front()];
  const u128 remaining = first.finish_tag > virtual_work_ ? first.finish_tag - virtual_work_ : 0;
  // Time until the first active transfer has received its remaining work, rounded up.
  const u128 scaled = remaining * active_;
  const sim::Time delay = sim::clamp_to_time((scaled + spec_.bandwidth_Bps - 1) / spec_.bandwidth_Bps);
  simulator_.schedule_after(delay, &QueueingLink::on_shared_completion, this, generation_);
}

void QueueingLink::on_shared_completion(void* self, uint64_t generation) {
  QueueingLink& link = *static_cast<QueueingLink*>(self);
  if (generation != link.generation_) return;  // re-planned since: stale
  link.advance_virtual_time();
  auto later = [&link](uint32_t a, uint32_t b) {
    const Transfer& x = link.transfers_[a];
    const Transfer& y = link.transfers_[b];
    return x.finish_tag != y.finish_tag ? x.finish_tag > y.finish_tag : a > b;
  };
  std::vector<uint32_t>& finished = link.finished_scratch_;
  finished.clear();
  while (!link.active_heap_.empty() && link.transfers_[link.active_heap_.front()].finish_tag <= link.virtual_work_) {
    std::pop_heap(link.active_heap_.begin(), link.active_heap_.end(), later);
    const uint32_t id = link.active_heap_.back();
    link.active_heap_.pop_back();
    link.stats_.service_time += link.simulator_.now() - link.transfers_[id].started;
    if (!link.transfers_[id].background) --link.active_demand_;
    link.mark_active(-1);
    finished.push_back(id);
  }
  while (link.active_ < link.spec_.channels && link.can_start_next()) link.start(link.next_waiting());  // re-plans
  link.plan_next_completion();
  // Delivery callbacks may submit to this link, but cannot complete its transfers
  // re-entrantly (completions are events), so iterating the scratch list is safe.
  for (size_t i = 0; i < finished.size(); ++i) link.deliver(finished[i]);
}

TIERSIM_REGISTER_LINK_MODEL(
    queueing, "queueing",
    "latency + per-I/O overhead + bytes/bandwidth on `channels` servers, fifo or shared; a second line for small transfers; a wake-up after idling",
    (std::vector<std::string>{"bandwidth", "latency", "per_io_overhead", "small_transfers", "wake"}),
    [](sim::Simulator& simulator, const LinkSpec& spec) -> std::unique_ptr<ILink> {
      return std::make_unique<QueueingLink>(simulator, spec);
    });

}  // namespace tiersim::models
