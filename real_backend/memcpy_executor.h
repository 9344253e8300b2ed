#pragma once
// Host memory copies (DRAM to DRAM, or host memory standing in for HBM) on worker threads,
// one copy per thread at a time.
#include <memory>

#include "real_backend/executor.h"

namespace tiersim::real {

std::unique_ptr<Executor> make_memcpy_executor(CompletionQueue& completions, unsigned threads);

}  // namespace tiersim::real
