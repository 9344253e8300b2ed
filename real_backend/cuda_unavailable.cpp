// The CUDA entry points when tiersim is built without CUDA: each says how to get it.
#include "real_backend/cuda_backend.h"

namespace tiersim::real {

namespace {
[[noreturn]] void unavailable() {
  throw BackendUnavailable(
      "this tiersim was built without CUDA (CMake found no CUDA toolkit), so it cannot use a GPU; install the CUDA toolkit "
      "and rebuild, or run without --gpu (host memory then stands in for HBM)");
}
}  // namespace

std::string gpu_description(int) { unavailable(); }
std::unique_ptr<TierStore> make_device_store(int, uint32_t, uint64_t) { unavailable(); }
std::unique_ptr<TierStore> make_cuda_host_store(int, uint32_t, uint64_t, bool, std::string) { unavailable(); }
std::unique_ptr<Executor> make_cuda_executor(CompletionQueue&, int, unsigned) { unavailable(); }
CudaBuffer cuda_allocate(int, uint64_t, CudaBuffer::Kind) { unavailable(); }
void cuda_free(CudaBuffer&) {}

}  // namespace tiersim::real
