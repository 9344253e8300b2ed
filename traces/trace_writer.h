#pragma once
// Writing a trace file. Output goes to a temporary file renamed into place by finish(),
// so an interrupted or failed write never leaves a half-written trace.
#include <cstddef>

#include "traces/access.h"

namespace tiersim::traces {

class TraceWriter {
 public:
  virtual ~TraceWriter() = default;
  virtual void write(const Access* accesses, size_t count) = 0;
  virtual void finish() = 0;
};

}  // namespace tiersim::traces
