#pragma once
// Online transition statistics between objects: count(from -> to), learned from pairs the
// caller observes, and a scorer that ranks candidate successors of a set of objects by
// sum over from in set of count(from -> to) / total(from). Shared by the history (Markov)
// and next-layer prefetchers.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/containers/flat_map.h"

namespace tiersim::models {

class TransitionCounts {
 public:
  void observe(uint64_t from, uint64_t to) {
    Row& row = row_of(from);
    ++row.total;
    for (auto& [key, count] : row.next) {
      if (key == to) {
        ++count;
        return;
      }
    }
    row.next.emplace_back(to, 1);
  }

  // The `width` most likely successors of `from_set` (ties: smaller key first), appended
  // to `out` unless already in it.
  void predict(const std::vector<uint64_t>& from_set, uint32_t width, std::vector<uint64_t>& out) const {
    std::vector<std::pair<uint64_t, double>> scores;
    sim::FlatMap<uint32_t> index;
    for (uint64_t from : from_set) {
      const uint32_t* r = rows_index_.find(from);
      if (!r) continue;
      const Row& row = rows_[*r];
      for (const auto& [to, count] : row.next) {
        uint32_t& at = index.find_or_insert(to, static_cast<uint32_t>(scores.size()));
        if (at == scores.size()) scores.emplace_back(to, 0.0);
        scores[at].second += static_cast<double>(count) / static_cast<double>(row.total);
      }
    }
    std::sort(scores.begin(), scores.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    uint32_t taken = 0;
    for (const auto& [key, score] : scores) {
      if (taken == width) break;
      if (std::find(out.begin(), out.end(), key) != out.end()) continue;
      out.push_back(key);
      ++taken;
    }
  }

 private:
  struct Row {
    uint64_t total = 0;
    std::vector<std::pair<uint64_t, uint32_t>> next;
  };
  Row& row_of(uint64_t from) {
    uint32_t& r = rows_index_.find_or_insert(from, static_cast<uint32_t>(rows_.size()));
    if (r == rows_.size()) rows_.emplace_back();
    return rows_[r];
  }

  sim::FlatMap<uint32_t> rows_index_;
  std::vector<Row> rows_;
};

}  // namespace tiersim::models
