#pragma once
// The experts a real run moves, found by one pass over its trace: their keys in order and
// a dense index for each (the stores' buffer and file numbering).
#include <cstdint>
#include <string>
#include <vector>

#include "sim/containers/flat_map.h"

namespace tiersim::traces {
class TraceReader;
}

namespace tiersim::real {

class ExpertCatalog {
 public:
  explicit ExpertCatalog(traces::TraceReader& trace);
  uint32_t size() const { return static_cast<uint32_t>(keys_.size()); }
  uint64_t key(uint32_t index) const { return keys_[index]; }
  // The index of `key`; throws std::logic_error for a key the trace never named.
  uint32_t index(uint64_t key) const;
  // "expert 5 of layer 3 (index 29)", for errors.
  std::string describe(uint64_t key) const;

 private:
  std::vector<uint64_t> keys_;
  sim::FlatMap<uint32_t> index_;
};

}  // namespace tiersim::real
