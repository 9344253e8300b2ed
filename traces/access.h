#pragma once
// One access of a trace. Expert routing traces name the object (layer, expert); cache
// traces (oracleGeneral) name it by a 64-bit id. Both meet in `object`:
// (layer << 32) | expert, so an expert trace written as oracleGeneral reads back the same.
#include <cstdint>

namespace tiersim::traces {

struct Access {
  uint64_t step = 0;         // step (expert traces) or timestamp (cache traces)
  uint64_t object = 0;       // (layer << 32) | expert, or an opaque object id
  uint32_t size_bytes = 0;   // 0 when the trace does not say
  uint32_t tokens = 0;       // training: tokens routed to this expert in this step (0: not given)
  int64_t next_access = -1;  // index of the object's next access, -1 if none or unknown

  uint32_t layer() const { return static_cast<uint32_t>(object >> 32); }
  uint32_t expert() const { return static_cast<uint32_t>(object); }
  static uint64_t object_of(uint32_t layer, uint32_t expert) { return (uint64_t{layer} << 32) | expert; }
};

}  // namespace tiersim::traces
