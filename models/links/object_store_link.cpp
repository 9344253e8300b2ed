#include "models/links/object_store_link.h"

#include <algorithm>
#include <cmath>

#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

ObjectStoreSpec parse_object_store(const ConfigNode& o) {
  o.allow_only({"get_rate", "put_rate", "burst", "throttle_latency", "backoff", "max_backoff"});
  ObjectStoreSpec l;
  l.get_rate = o.double_or("get_rate", 0, 0, 1e12);
  l.put_rate = o.double_or("put_rate", 0, 0, 1e12);
  if (auto b = o.find("burst")) l.burst_s = double(b->as_duration()) / double(sim::kSecond);
  if (l.burst_s <= 0) o.at("burst").fail("expected a positive duration, got " + o.at("burst").describe());
  l.throttle_latency = o.duration_or("throttle_latency", l.throttle_latency);
  l.backoff = o.duration_or("backoff", l.backoff);
  l.max_backoff = o.duration_or("max_backoff", l.max_backoff);
  if (l.backoff <= 0) o.at("backoff").fail("expected a positive duration");
  if (l.max_backoff < l.backoff) o.at("max_backoff").fail("max_backoff is below backoff");
  return l;
}

ObjectStoreGate::ObjectStoreGate(const ObjectStoreSpec& spec, uint64_t seed)
    : spec_(spec),
      get_bucket_(spec.get_rate, spec.burst_s),
      put_bucket_(spec.put_rate, spec.burst_s),
      jitter_(sim::Rng::derive(seed, 0x6b76)) {}

bool ObjectStoreGate::admit(bool get, sim::Time now, uint32_t attempt, sim::Time& wait) {
  if ((get ? get_bucket_ : put_bucket_).take(now)) {
    ++(get ? gets_ : puts_);
    return true;
  }
  // 503 SlowDown: back off, with full jitter, and retry.
  ++throttled_;
  const int doublings = static_cast<int>(std::min<uint32_t>(attempt, 30));
  const double ceiling =
      std::min(static_cast<double>(spec_.backoff) * std::ldexp(1.0, doublings), static_cast<double>(spec_.max_backoff));
  wait = spec_.throttle_latency + static_cast<sim::Time>(jitter_.uniform01() * ceiling);
  backoff_total_ += wait;
  return false;
}

ObjectStoreLink::ObjectStoreLink(sim::Simulator& simulator, std::unique_ptr<ILink> inner, ObjectStoreGate& gate, bool get)
    : simulator_(simulator), inner_(std::move(inner)), gate_(gate), get_(get) {}

void ObjectStoreLink::submit(const TransferRequest& request, TransferDone done, Priority priority) {
  if (gate_.unlimited(get_)) {  // nothing to throttle: the request is counted and goes straight through
    gate_.count(get_);
    inner_->submit(request, done, priority);
    return;
  }
  const uint32_t id = requests_.acquire();
  requests_[id] = Request{request, done, priority, 0};
  try_send(id);
}

void ObjectStoreLink::try_send(uint32_t id) {
  Request& r = requests_[id];
  sim::Time wait = 0;
  if (!gate_.admit(get_, simulator_.now(), r.attempt++, wait)) {
    simulator_.schedule_after(wait, &ObjectStoreLink::on_retry, this, id);
    return;
  }
  inner_->submit(r.request, TransferDone{&ObjectStoreLink::on_done, this, id}, r.priority);
}

void ObjectStoreLink::on_retry(void* self, uint64_t id) { static_cast<ObjectStoreLink*>(self)->try_send(static_cast<uint32_t>(id)); }

void ObjectStoreLink::on_done(void* self, uint64_t id) {
  auto& link = *static_cast<ObjectStoreLink*>(self);
  const TransferDone done = link.requests_[static_cast<uint32_t>(id)].done;
  link.requests_.release(static_cast<uint32_t>(id));
  if (done.fn) done.fn(done.context, done.argument);
}

}  // namespace tiersim::models
