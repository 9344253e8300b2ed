#pragma once
// An object store's request limits (config key "object_store" on the backing tier), as
// S3 enforces them per prefix (about 5,500 GET/s and 3,500 PUT/s):
//   {"get_rate": GETs/s, "put_rate": PUTs/s (default unlimited),
//    "burst": seconds of rate a bucket holds (1 s), "throttle_latency": time to a 503
//    SlowDown (10 ms), "backoff": first retry delay (50 ms), "max_backoff": (5 s)}
// Every transfer out of the store is a GET and every transfer into it a PUT. Each takes a
// token of its bucket or is throttled and retried after throttle_latency + an exponential
// backoff with full jitter (seeded), as the AWS SDKs retry. One ObjectStoreGate per store
// keeps the buckets and the request counts; every link touching the store (each worker's
// too) goes through it as an ObjectStoreLink around the link that moves the bytes.
#include <cstdint>
#include <memory>

#include "models/links/i_link.h"
#include "models/links/token_bucket.h"
#include "sim/containers/index_pool.h"
#include "sim/engine/random.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct ObjectStoreSpec {
  double get_rate = 0;  // per second; 0: unlimited
  double put_rate = 0;
  double burst_s = 1;
  sim::Time throttle_latency = 10 * sim::kMillisecond;
  sim::Time backoff = 50 * sim::kMillisecond;
  sim::Time max_backoff = 5 * sim::kSecond;
};

ObjectStoreSpec parse_object_store(const ConfigNode& node);

class ObjectStoreGate {
 public:
  ObjectStoreGate(const ObjectStoreSpec& spec, uint64_t seed);

  // Whether a GET (or PUT) may go at `now`; if not, the wait before try number
  // `attempt` + 1 (0-based attempts of this request so far), and the throttle is counted.
  bool admit(bool get, sim::Time now, uint32_t attempt, sim::Time& wait);

  // Whether GETs (or PUTs) have no rate limit; each is then only counted (count()).
  bool unlimited(bool get) const { return (get ? spec_.get_rate : spec_.put_rate) <= 0; }
  void count(bool get) { ++(get ? gets_ : puts_); }

  uint64_t gets() const { return gets_; }
  uint64_t puts() const { return puts_; }
  uint64_t throttled() const { return throttled_; }
  sim::Time backoff_total() const { return backoff_total_; }

 private:
  ObjectStoreSpec spec_;
  TokenBucket get_bucket_, put_bucket_;
  sim::Rng jitter_;
  uint64_t gets_ = 0, puts_ = 0, throttled_ = 0;
  sim::Time backoff_total_ = 0;
};

class ObjectStoreLink final : public ILink {
 public:
  // `get`: the link reads out of the store.
  ObjectStoreLink(sim::Simulator& simulator, std::unique_ptr<ILink> inner, ObjectStoreGate& gate, bool get);

  void submit(const TransferRequest& request, TransferDone done, Priority priority = Priority::kDemand) override;
  const LinkSpec& spec() const override { return inner_->spec(); }
  LinkStats stats() const override { return inner_->stats(); }
  LinkTotals totals() const override { return inner_->totals(); }
  uint64_t bytes_on_wire(uint64_t bytes) const override { return inner_->bytes_on_wire(bytes); }

 private:
  struct Request {
    TransferRequest request;
    TransferDone done;
    Priority priority;
    uint32_t attempt;
  };
  void try_send(uint32_t id);
  static void on_retry(void* self, uint64_t id);
  static void on_done(void* self, uint64_t id);

  sim::Simulator& simulator_;
  std::unique_ptr<ILink> inner_;
  ObjectStoreGate& gate_;
  bool get_;
  sim::IndexPool<Request> requests_;
};

}  // namespace tiersim::models
