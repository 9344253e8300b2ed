#include "models/links/queueing_link.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sim/engine/random.h"
#include "sim/engine/simulator.h"

using namespace tiersim::models;

namespace {

struct Deliveries {
  sim::Simulator* simulator;
  std::vector<std::pair<uint64_t, sim::Time>> at;  // (transfer, delivery time)
};
void delivered(void* context, uint64_t argument) {
  auto* d = static_cast<Deliveries*>(context);
  d->at.emplace_back(argument, d->simulator->now());
}

LinkSpec spec(uint32_t channels, Sharing sharing, sim::Time latency = 0, sim::Time overhead = 0) {
  LinkSpec s;
  s.name = "l";
  s.bandwidth_Bps = 1'000'000'000;  // 1 GB/s: 1 byte per ns
  s.channels = channels;
  s.sharing = sharing;
  s.latency = latency;
  s.per_io_overhead = overhead;
  return s;
}

}  // namespace

TEST_CASE("fifo: one channel serves transfers back to back; latency is not service") {
  sim::Simulator s;
  QueueingLink link(s, spec(1, Sharing::kFifo, 5 * sim::kNanosecond, 2 * sim::kNanosecond));
  Deliveries d{&s, {}};
  link.submit(1000, {delivered, &d, 0});
  link.submit(1000, {delivered, &d, 1});
  s.run();
  REQUIRE(d.at.size() == 2);
  CHECK(d.at[0].second == 1007 * sim::kNanosecond);  // 2 overhead + 1000 bytes + 5 latency
  CHECK(d.at[1].second == 2009 * sim::kNanosecond);  // waits for the first's service (1002 ns)
  const LinkStats st = link.stats();
  CHECK(st.operations == 2);
  CHECK(st.bytes == 2000);
  CHECK(st.busy_time == 2004 * sim::kNanosecond);
  CHECK(st.in_flight_time == 2009 * sim::kNanosecond);  // the second started before the first arrived
  CHECK(st.max_queued == 1);
}

TEST_CASE("time in flight counts service and delivery latency, once where they overlap") {
  sim::Simulator s;
  QueueingLink link(s, spec(1, Sharing::kFifo, 5 * sim::kNanosecond, 2 * sim::kNanosecond));
  Deliveries d{&s, {}};
  link.submit(1000, {delivered, &d, 0});
  // A second transfer after the link has been quiet since the first arrived (1007 ns).
  struct Later {
    QueueingLink* link;
    Deliveries* d;
  } later{&link, &d};
  s.schedule_at(3000 * sim::kNanosecond, [](void* context, uint64_t) {
    auto* l = static_cast<Later*>(context);
    l->link->submit(500, {delivered, l->d, 1});
  }, &later);
  s.run();
  REQUIRE(d.at.size() == 2);
  CHECK(d.at[1].second == 3507 * sim::kNanosecond);
  const LinkStats st = link.stats();
  CHECK(st.busy_time == (1002 + 502) * sim::kNanosecond);
  CHECK(st.in_flight_time == (1007 + 507) * sim::kNanosecond);

  sim::Simulator s2;
  QueueingLink shared(s2, spec(2, Sharing::kShared, 5 * sim::kNanosecond, 2 * sim::kNanosecond));
  Deliveries d2{&s2, {}};
  shared.submit(1000, {delivered, &d2, 0});
  s2.run();
  CHECK(shared.stats().busy_time == 1002 * sim::kNanosecond);
  CHECK(shared.stats().in_flight_time == 1007 * sim::kNanosecond);
}

TEST_CASE("fifo: channels serve in parallel") {
  sim::Simulator s;
  QueueingLink link(s, spec(2, Sharing::kFifo));
  Deliveries d{&s, {}};
  for (int i = 0; i < 3; ++i) link.submit(1000, {delivered, &d, static_cast<uint64_t>(i)});
  s.run();
  CHECK(d.at[0].second == 1000 * sim::kNanosecond);
  CHECK(d.at[1].second == 1000 * sim::kNanosecond);
  CHECK(d.at[2].second == 2000 * sim::kNanosecond);
}

TEST_CASE("shared: concurrent transfers split the bandwidth; alone it costs what fifo costs") {
  sim::Simulator s;
  QueueingLink link(s, spec(4, Sharing::kShared));
  Deliveries d{&s, {}};
  link.submit(1000, {delivered, &d, 0});
  link.submit(3000, {delivered, &d, 1});
  s.run();
  // Both at half rate until the first finishes at 2000 ns, then the second alone: 2000 + 2000.
  REQUIRE(d.at.size() == 2);
  CHECK(d.at[0] == std::make_pair(uint64_t{0}, 2000 * sim::kNanosecond));
  CHECK(d.at[1] == std::make_pair(uint64_t{1}, 4000 * sim::kNanosecond));

  sim::Simulator s2;
  QueueingLink alone(s2, spec(1, Sharing::kShared, 5 * sim::kNanosecond, 2 * sim::kNanosecond));
  Deliveries d2{&s2, {}};
  alone.submit(1000, {delivered, &d2, 0});
  s2.run();
  CHECK(d2.at[0].second == 1007 * sim::kNanosecond);
}

namespace {

// Delivery times of two 1000 B transfers submitted at 0, the first of priority `first`, the
// second of `second`.
std::vector<sim::Time> two_transfers(const LinkSpec& link_spec, Priority first, Priority second) {
  sim::Simulator s;
  QueueingLink link(s, link_spec);
  Deliveries d{&s, {}};
  link.submit(1000, {delivered, &d, 0}, first);
  link.submit(1000, {delivered, &d, 1}, second);
  s.run();
  std::vector<sim::Time> at(2, -1);
  for (const auto& [id, when] : d.at) at[id] = when;
  return at;
}

}  // namespace

TEST_CASE("background transfers use idle capacity only") {
  const sim::Time ns = sim::kNanosecond;
  // Shared: a prefetch submitted while a demand transfer is in service waits for it instead
  // of taking half the bandwidth...
  CHECK(two_transfers(spec(4, Sharing::kShared), Priority::kDemand, Priority::kBackground) ==
        std::vector<sim::Time>{1000 * ns, 2000 * ns});
  // ...while a demand arriving during a prefetch shares with it (it is not interrupted).
  CHECK(two_transfers(spec(4, Sharing::kShared), Priority::kBackground, Priority::kDemand) ==
        std::vector<sim::Time>{2000 * ns, 2000 * ns});
  // Fifo: a free channel takes a background transfer when no demand waits.
  CHECK(two_transfers(spec(2, Sharing::kFifo), Priority::kDemand, Priority::kBackground) ==
        std::vector<sim::Time>{1000 * ns, 1000 * ns});
}

namespace {
void submit_demand(void* context, uint64_t) {
  auto* link = static_cast<std::pair<QueueingLink*, Deliveries*>*>(context);
  link->first->submit(1000, {delivered, link->second, 1}, Priority::kDemand);
}
}  // namespace

TEST_CASE("fifo: a demand transfer preempts a background one in service, which resumes after") {
  const sim::Time ns = sim::kNanosecond;
  sim::Simulator s;
  QueueingLink link(s, spec(1, Sharing::kFifo, /*latency=*/0, /*overhead=*/100 * ns));
  Deliveries d{&s, {}};
  link.submit(1000, {delivered, &d, 0}, Priority::kBackground);  // service 100 + 1000 ns
  std::pair<QueueingLink*, Deliveries*> context{&link, &d};
  s.schedule_at(400 * ns, submit_demand, &context);  // 300 bytes of the prefetch moved by then
  s.run();
  REQUIRE(d.at.size() == 2);
  // The demand starts at once: 400 + 100 + 1000. The prefetch resumes with 700 bytes left
  // and pays its overhead again: 1500 + 100 + 700.
  CHECK(d.at[0] == std::pair<uint64_t, sim::Time>{1, 1500 * ns});
  CHECK(d.at[1] == std::pair<uint64_t, sim::Time>{0, 2300 * ns});
  const LinkStats stats = link.stats();
  CHECK(stats.busy_time == 2300 * ns);
  CHECK(stats.service_time == 2300 * ns);
  CHECK(stats.bytes == 2000);
}

TEST_CASE("shared: the channel count caps concurrency; a late arrival slows the others") {
  sim::Simulator s;
  QueueingLink link(s, spec(2, Sharing::kShared));
  Deliveries d{&s, {}};
  for (int i = 0; i < 3; ++i) link.submit(1000, {delivered, &d, static_cast<uint64_t>(i)});
  s.run();
  // Two share (each at 0.5 B/ns) and finish at 2000 ns; the third then runs alone to 3000.
  CHECK(d.at[0].second == 2000 * sim::kNanosecond);
  CHECK(d.at[1].second == 2000 * sim::kNanosecond);
  CHECK(d.at[2].second == 3000 * sim::kNanosecond);
}

namespace {

struct Submitter {
  QueueingLink* link;
  Deliveries* deliveries;
  static void fire(void* context, uint64_t argument) {
    auto* self = static_cast<Submitter*>(context);
    self->link->submit(1000, {delivered, self->deliveries, argument});
  }
};

// Deliveries of 1000-byte transfers submitted at `times` (ns) on a 1 GB/s link that takes
// 50 ns longer after 200 ns idle.
std::vector<sim::Time> with_wake(Sharing sharing, const std::vector<int64_t>& times) {
  sim::Simulator s;
  LinkSpec sp = spec(1, sharing);
  sp.wake_after = 200 * sim::kNanosecond;
  sp.wake_latency = 50 * sim::kNanosecond;
  QueueingLink link(s, sp);
  Deliveries d{&s, {}};
  Submitter submitter{&link, &d};
  for (size_t i = 0; i < times.size(); ++i) s.schedule_at(times[i] * sim::kNanosecond, Submitter::fire, &submitter, i);
  s.run();
  std::vector<sim::Time> at;
  for (const auto& [id, time] : d.at) at.push_back(time / sim::kNanosecond);
  return at;
}

}  // namespace

TEST_CASE("wake: a transfer ending an idle spell of wake_after or more pays wake_latency, others do not") {
  for (Sharing sharing : {Sharing::kFifo, Sharing::kShared}) {
    CAPTURE(static_cast<int>(sharing));
    // First ever (idle since before the run): woken, 1050. Queued behind it: no wake, 2050.
    // Submitted 100 ns after the link went idle: 2150 + 1000. 300 ns idle: 3450 + 1050.
    CHECK(with_wake(sharing, {0, 10, 2150, 3450}) == std::vector<sim::Time>{1050, 2050, 3150, 4500});
    // Exactly wake_after idle counts as idle.
    CHECK(with_wake(sharing, {0, 1250}) == std::vector<sim::Time>{1050, 2300});
  }
  // Without a wake latency nothing changes.
  sim::Simulator s;
  QueueingLink link(s, spec(1, Sharing::kFifo));
  Deliveries d{&s, {}};
  link.submit(1000, {delivered, &d, 0});
  s.run();
  CHECK(d.at[0].second == 1000 * sim::kNanosecond);
}

// ------------------------------------------------------------------ queueing theory

namespace {

// Poisson arrivals of transfers onto a link; sizes deterministic or exponential.
struct OpenQueue {
  sim::Simulator* simulator;
  QueueingLink* link;
  sim::Rng rng{12345};
  double arrival_rate_per_ps;
  double mean_bytes;
  bool exponential_sizes;
  int remaining;

  static void arrive(void* context, uint64_t) {
    auto* q = static_cast<OpenQueue*>(context);
    const uint64_t bytes = q->exponential_sizes
                               ? static_cast<uint64_t>(std::llround(-std::log(1.0 - q->rng.uniform01()) * q->mean_bytes))
                               : static_cast<uint64_t>(q->mean_bytes);
    q->link->submit(bytes, {});
    if (--q->remaining > 0) {
      const double gap = -std::log(1.0 - q->rng.uniform01()) / q->arrival_rate_per_ps;
      q->simulator->schedule_after(static_cast<sim::Time>(gap), arrive, q);
    }
  }
};

// `rho` is the load per server, with `servers` servers worth of arrivals.
double mean_sojourn_us(uint32_t channels, Sharing sharing, double rho, bool exponential, uint32_t servers = 1) {
  sim::Simulator s;
  LinkSpec sp = spec(channels, sharing);
  QueueingLink link(s, sp);
  const double mean_bytes = 1e6;                                       // 1 ms service at 1 GB/s
  const double service_ps = mean_bytes / 1e9 * 1e12;
  const double lambda = rho * servers / service_ps;
  OpenQueue q{&s, &link, sim::Rng(99), lambda, mean_bytes, exponential, 200000};
  s.schedule_at(0, OpenQueue::arrive, &q);
  s.run();
  return link.stats().latency.mean() / 1e6;
}

}  // namespace

TEST_CASE("fifo link against M/D/1 (Pollaczek-Khinchine)") {
  const double rho = 0.7, service_us = 1000.0;
  const double expected = service_us + rho * service_us / (2 * (1 - rho));
  CHECK(mean_sojourn_us(1, Sharing::kFifo, rho, false) == doctest::Approx(expected).epsilon(0.04));
}

TEST_CASE("fifo link against M/M/1 and M/M/2 (Erlang C)") {
  const double rho = 0.7, service_us = 1000.0;
  CHECK(mean_sojourn_us(1, Sharing::kFifo, rho, true) == doctest::Approx(service_us / (1 - rho)).epsilon(0.05));
  // M/M/2: a = 2 rho offered load, Erlang C probability of waiting.
  const double a = 2 * rho;
  const double p0_inverse = 1 + a + a * a / (2 * (1 - rho));
  const double erlang_c = (a * a / (2 * (1 - rho))) / p0_inverse;
  const double expected = service_us + erlang_c * service_us / (2 * (1 - rho));
  CHECK(mean_sojourn_us(2, Sharing::kFifo, rho, true, 2) == doctest::Approx(expected).epsilon(0.05));
}

TEST_CASE("shared link against M/M/1 processor sharing") {
  const double rho = 0.7, service_us = 1000.0;
  CHECK(mean_sojourn_us(1u << 20, Sharing::kShared, rho, true) == doctest::Approx(service_us / (1 - rho)).epsilon(0.05));
}
