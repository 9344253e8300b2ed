// `tiersim mrc`: exact LRU miss-ratio curves in one pass over a trace, for a single cache
// and for the second tier of two-tier LRU hierarchies (inclusive: simulated first tier;
// exclusive: from the single curve, as an exclusive LRU pair is one LRU list).
#include <chrono>
#include <cstdio>
#include <memory>

#include "models/policies/lru.h"
#include "models/cache/resident_set.h"
#include "app/commands.h"
#include "app/progress_printer.h"
#include "sim/output/results_writer.h"
#include "traces/stats/miss_ratio_curve.h"
#include "traces/trace_format.h"

namespace tiersim {

namespace {

// A first tier of a given size, simulated, whose misses feed the second tier's curve.
struct TwoTier {
  uint64_t l1_capacity;
  std::unique_ptr<models::Lru> policy;
  std::unique_ptr<models::ResidentSet<models::Lru>> l1;
  traces::MissRatioCurve l2;
};

// Appends one CSV row per capacity 1..min(useful, max_size). Written directly rather than
// through Metrics: a curve can have millions of rows.
void append_rows(const traces::MissRatioCurve& curve, const char* tier, uint64_t l1_capacity, uint64_t max_size,
                 std::string& csv) {
  const uint64_t up_to = std::max<uint64_t>(1, std::min(curve.largest_useful_capacity(), max_size));
  const std::vector<uint64_t> misses = curve.misses_up_to(up_to);
  const double lookups = static_cast<double>(curve.accesses());
  char line[160];
  for (uint64_t c = 1; c <= up_to; ++c) {
    const double ratio = lookups > 0 ? static_cast<double>(misses[c - 1]) / lookups : 0.0;
    const int len = std::snprintf(line, sizeof line, "%s,%llu,%llu,%llu,%llu,%.9g\n", tier,
                                  static_cast<unsigned long long>(l1_capacity), static_cast<unsigned long long>(c),
                                  static_cast<unsigned long long>(curve.accesses()),
                                  static_cast<unsigned long long>(misses[c - 1]), ratio);
    csv.append(line, static_cast<size_t>(len));
  }
}

// The second tier of an exclusive LRU pair: the pair is one LRU list of both sizes, so at
// second-tier capacity c it misses what one LRU cache of l1 + c misses, out of the first
// tier's misses (the lookups reaching it).
void append_exclusive_rows(const traces::MissRatioCurve& single, uint64_t l1_capacity, uint64_t max_size, std::string& csv) {
  const uint64_t useful = single.largest_useful_capacity();
  const uint64_t up_to = std::max<uint64_t>(1, std::min(useful > l1_capacity ? useful - l1_capacity : 1, max_size));
  const std::vector<uint64_t> misses = single.misses_up_to(l1_capacity + up_to);
  const uint64_t lookups = misses[l1_capacity - 1];
  char line[160];
  for (uint64_t c = 1; c <= up_to; ++c) {
    const uint64_t m = misses[l1_capacity + c - 1];
    const double ratio = lookups > 0 ? static_cast<double>(m) / static_cast<double>(lookups) : 0.0;
    const int len = std::snprintf(line, sizeof line, "second,%llu,%llu,%llu,%llu,%.9g\n", static_cast<unsigned long long>(l1_capacity),
                                  static_cast<unsigned long long>(c), static_cast<unsigned long long>(lookups),
                                  static_cast<unsigned long long>(m), ratio);
    csv.append(line, static_cast<size_t>(len));
  }
}

void print_summary(const traces::MissRatioCurve& curve, const std::string& title) {
  std::printf("%s: %llu lookups, %llu cold misses; LRU miss ratio by capacity (objects):\n", title.c_str(),
              static_cast<unsigned long long>(curve.accesses()), static_cast<unsigned long long>(curve.cold_misses()));
  const uint64_t top = std::max<uint64_t>(1, curve.largest_useful_capacity());
  const std::vector<uint64_t> misses = curve.misses_up_to(top);
  for (uint64_t c = 1;; c *= 2) {
    const uint64_t at = std::min(c, top);
    std::printf("  %12llu  %.6f\n", static_cast<unsigned long long>(at),
                curve.accesses() ? static_cast<double>(misses[at - 1]) / static_cast<double>(curve.accesses()) : 0.0);
    if (at == top) break;
  }
}

}  // namespace

int mrc_command(const MrcCommand& command) {
  std::vector<TwoTier> hierarchies;
  const bool exclusive = command.inclusion == "exclusive";
  std::vector<uint64_t> exclusive_l1;  // computed from the single curve, not simulated
  if (!command.l1_sizes.empty() && exclusive) {
    exclusive_l1 = parse_count_list(command.l1_sizes, "--l1");
  } else if (!command.l1_sizes.empty()) {
    for (uint64_t c : parse_count_list(command.l1_sizes, "--l1")) {
      TwoTier h;
      h.l1_capacity = c;
      h.policy = std::make_unique<models::Lru>(nullptr);
      h.l1 = std::make_unique<models::ResidentSet<models::Lru>>(*h.policy, models::Capacity{c, UINT64_MAX});
      hierarchies.push_back(std::move(h));
    }
  }
  const std::unique_ptr<traces::TraceReader> trace = traces::open_trace(command.trace, traces::parse_format(command.format));
  const auto start = std::chrono::steady_clock::now();
  const ProgressPrinter progress("mrc", false);
  traces::MissRatioCurve single;
  std::vector<traces::Access> batch(1 << 14);
  const models::EvictionGuard no_guard{};
  size_t n;
  while ((n = trace->read(batch.data(), batch.size())) > 0) {
    for (size_t i = 0; i < n; ++i) single.access(batch[i].object);
    for (TwoTier& h : hierarchies) {
      for (size_t i = 0; i < n; ++i) {
        const uint64_t key = batch[i].object;
        const models::Slot slot = h.l1->find(key);
        if (slot != models::kNoSlot) {
          h.l1->hit(slot);
          continue;
        }
        h.l2.access(key);  // the first tier's misses are the second tier's lookups
        if (!h.l1->fits(1)) h.l1->evict(no_guard, nullptr);
        h.l1->insert(key, 1);
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  print_summary(single, "single LRU cache");
  for (const TwoTier& h : hierarchies) {
    print_summary(h.l2, "second tier below an LRU first tier of " + std::to_string(h.l1_capacity) + " objects");
  }
  if (!exclusive_l1.empty()) {
    const std::vector<uint64_t> misses = single.misses_up_to(std::max<uint64_t>(1, single.largest_useful_capacity()));
    for (uint64_t l1 : exclusive_l1) {
      const uint64_t lookups = l1 <= misses.size() ? misses[l1 - 1] : single.cold_misses();
      std::printf("exclusive second tier below an LRU first tier of %llu objects: %llu lookups, the pair misses at capacity "
                  "l1 + c what one LRU cache of that size misses\n",
                  static_cast<unsigned long long>(l1), static_cast<unsigned long long>(lookups));
    }
  }
  std::fprintf(stderr, "mrc: %llu accesses, %llu distinct objects, %zu two-tier curves in %.3f s\n",
               static_cast<unsigned long long>(single.accesses()), static_cast<unsigned long long>(single.cold_misses()),
               hierarchies.size(), seconds);
  if (!command.out_dir.empty()) {
    std::string csv = "tier,l1_capacity_objects,capacity_objects,lookups,misses,miss_ratio\n";
    append_rows(single, "single", 0, command.max_size, csv);
    for (const TwoTier& h : hierarchies) append_rows(h.l2, "second", h.l1_capacity, command.max_size, csv);
    for (uint64_t l1 : exclusive_l1) append_exclusive_rows(single, l1, command.max_size, csv);
    ResultsWriter writer(command.out_dir);
    writer.stage("mrc.csv", csv);
    writer.commit();
    std::printf("results: %s/mrc.csv\n", command.out_dir.c_str());
  }
  return 0;
}

}  // namespace tiersim
