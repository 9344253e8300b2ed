#pragma once
// The CUDA parts of the real backend: GPU memory as tier 0, pinned host memory, and an
// executor of cudaMemcpyAsync copies on several streams. Built from cuda_backend.cu when
// CMake finds CUDA; otherwise every function here says so (BackendUnavailable).
#include <cstdint>
#include <memory>
#include <string>

#include "real_backend/executor.h"
#include "real_backend/tier_store.h"

namespace tiersim::real {

// "NVIDIA H100 80GB HBM3 (GPU 0, 80 GiB)"; throws BackendUnavailable without a GPU.
std::string gpu_description(int gpu);

// GPU memory for `count` experts; fill and check run as kernels on the device.
std::unique_ptr<TierStore> make_device_store(int gpu, uint32_t count, uint64_t bytes);
// Host memory for `count` experts, pinned (cudaHostAlloc) unless `pageable`.
std::unique_ptr<TierStore> make_cuda_host_store(int gpu, uint32_t count, uint64_t bytes, bool pageable, std::string medium);
// Copies between host and GPU memory on `streams` streams (round robin), each copy
// timed with CUDA events.
std::unique_ptr<Executor> make_cuda_executor(CompletionQueue& completions, int gpu, unsigned streams);

// Raw buffers for calibration: `bytes` of GPU memory or pinned/pageable host memory.
struct CudaBuffer {
  char* data = nullptr;
  uint64_t bytes = 0;
  enum class Kind { kDevice, kPinned, kPageable } kind = Kind::kDevice;
};
CudaBuffer cuda_allocate(int gpu, uint64_t bytes, CudaBuffer::Kind kind);
void cuda_free(CudaBuffer& buffer);

}  // namespace tiersim::real
