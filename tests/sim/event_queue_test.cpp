// The event queue against a plain reference (a sorted set of (time, sequence)) on random
// pushes, pops and cancellations: the (time, insertion order) rule, cancellation of pending
// events only, and renumbering of the sequences (made to come every 64 pushes here).
#include "sim/engine/event_queue.h"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <vector>

#include "sim/engine/random.h"
#include "sim/engine/simulator.h"

namespace {
void nothing(void*, uint64_t) {}
}  // namespace

TEST_CASE("the event queue follows (time, insertion order) and cancels pending events only") {
  for (uint64_t sequences : {uint64_t{64}, sim::EventQueue::kMaxSequence}) {
    sim::EventQueue queue(sequences);
    sim::Rng rng(sequences);
    std::set<std::pair<sim::Time, uint64_t>> reference;  // (time, our push number)
    std::map<uint64_t, sim::EventId> ids;                 // push number -> id, while pending
    std::map<uint64_t, sim::Time> due_at;                 // push number -> time, while pending
    std::vector<std::pair<uint64_t, sim::EventId>> gone;  // ran or cancelled
    uint64_t pushed = 0;
    sim::Time now = 0;
    for (int op = 0; op < 200000; ++op) {
      const uint64_t r = rng.below(10);
      if (r < 5) {
        const sim::Time at = now + static_cast<sim::Time>(rng.below(50));
        ids[pushed] = queue.push(at, nothing, nullptr, pushed);
        due_at[pushed] = at;
        reference.insert({at, pushed});
        ++pushed;
      } else if (r < 8) {
        sim::EventQueue::Due due;
        const sim::Time limit = now + static_cast<sim::Time>(rng.below(20));
        const bool got = queue.pop(limit, due);
        const bool expect = !reference.empty() && reference.begin()->first <= limit;
        REQUIRE(got == expect);
        if (!got) continue;
        CHECK(due.time == reference.begin()->first);
        CHECK(due.argument == reference.begin()->second);
        now = due.time;
        gone.emplace_back(due.argument, ids[due.argument]);
        ids.erase(due.argument);
        reference.erase(reference.begin());
      } else if (r < 9 && !ids.empty()) {
        auto it = ids.lower_bound(rng.below(pushed));
        if (it == ids.end()) continue;
        reference.erase({due_at[it->first], it->first});
        CHECK(queue.cancel(it->second));
        CHECK_FALSE(queue.cancel(it->second));
        gone.emplace_back(it->first, it->second);
        ids.erase(it);
      } else if (!gone.empty()) {
        CHECK_FALSE(queue.cancel(gone[rng.below(gone.size())].second));  // ran or cancelled already
      }
      REQUIRE(queue.size() == reference.size());
      CHECK(queue.next_time() == (reference.empty() ? sim::kEndOfTime : reference.begin()->first));
    }
  }
}

TEST_CASE("a cancelled event never runs and does not count") {
  sim::Simulator s;
  int ran = 0;
  auto count = [](void* c, uint64_t) { ++*static_cast<int*>(c); };
  const sim::EventId a = s.schedule_at(10, count, &ran);
  s.schedule_at(20, count, &ran);
  const sim::EventId c = s.schedule_at(30, count, &ran);
  CHECK(s.cancel(a));
  CHECK(s.events_pending() == 2);
  CHECK(s.next_event_time() == 20);
  CHECK(s.run_until(25) == 1);
  CHECK(s.cancel(c));
  CHECK(s.run() == 0);
  CHECK(ran == 1);
  CHECK(s.events_processed() == 1);
  CHECK_FALSE(s.cancel(c));
}
