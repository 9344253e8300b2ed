#include "real_backend/expert_catalog.h"

#include <algorithm>
#include <stdexcept>

#include "traces/access.h"
#include "traces/trace_reader.h"

namespace tiersim::real {

ExpertCatalog::ExpertCatalog(traces::TraceReader& trace) {
  std::vector<traces::Access> batch(1 << 14);
  sim::FlatMap<uint8_t> seen;
  for (size_t n; (n = trace.read(batch.data(), batch.size())) > 0;) {
    for (size_t i = 0; i < n; ++i) {
      if (!seen.find(batch[i].object)) {
        seen.insert(batch[i].object, 1);
        keys_.push_back(batch[i].object);
      }
    }
  }
  std::sort(keys_.begin(), keys_.end());
  for (uint32_t i = 0; i < keys_.size(); ++i) index_.insert(keys_[i], i);
}

uint32_t ExpertCatalog::index(uint64_t key) const {
  const uint32_t* found = index_.find(key);
  if (!found) throw std::logic_error("real backend: expert key " + std::to_string(key) + " is not in the trace's catalog");
  return *found;
}

std::string ExpertCatalog::describe(uint64_t key) const {
  const traces::Access a{0, key};
  return "expert " + std::to_string(a.expert()) + " of layer " + std::to_string(a.layer());
}

}  // namespace tiersim::real
