#pragma once
// File reads and writes through io_uring on O_DIRECT descriptors: each copy is split into
// requests of `block_size` bytes, at most `queue_depth` in flight across all copies; one
// thread owns the ring (it submits, reaps, and is woken through an eventfd when copies
// arrive). Host buffers, offsets and sizes must be 4 KiB aligned.
#include <cstdint>
#include <memory>

#include "real_backend/executor.h"

namespace tiersim::real {

// Throws BackendUnavailable when io_uring cannot be set up here.
std::unique_ptr<Executor> make_uring_executor(CompletionQueue& completions, unsigned queue_depth, uint64_t block_size);

}  // namespace tiersim::real
