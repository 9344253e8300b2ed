// The CUDA parts of the real backend (see cuda_backend.h). Built only when CMake finds CUDA.
#include <cuda_runtime.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "real_backend/cuda_backend.h"
#include "real_backend/pattern.h"

namespace tiersim::real {

namespace {

constexpr unsigned long long kStep = 0xd6e8feb86659fd93ull;  // as in pattern.cpp

void cuda_check(cudaError_t rc, const std::string& what) {
  if (rc != cudaSuccess) throw BackendUnavailable(what + ": " + cudaGetErrorString(rc));
}

void use_gpu(int gpu) {
  int count = 0;
  const cudaError_t rc = cudaGetDeviceCount(&count);
  if (rc != cudaSuccess || count == 0) {
    throw BackendUnavailable(std::string("no CUDA GPU is visible (") + (rc != cudaSuccess ? cudaGetErrorString(rc) : "0 devices") +
                             "); run without --gpu, and host memory stands in for HBM");
  }
  if (gpu >= count) {
    throw BackendUnavailable("--gpu " + std::to_string(gpu) + ": this machine has " + std::to_string(count) + " GPU(s), numbered from 0");
  }
  cuda_check(cudaSetDevice(gpu), "cudaSetDevice");
}

__global__ void fill_kernel(unsigned long long* words, unsigned long long n, unsigned long long base) {
  for (unsigned long long i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) words[i] = base + i * kStep;
}

__global__ void check_kernel(const unsigned long long* words, unsigned long long n, unsigned long long base, unsigned long long* first) {
  for (unsigned long long i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    if (words[i] != base + i * kStep) atomicMin(first, i);
}

class DeviceStore final : public TierStore {
 public:
  DeviceStore(int gpu, uint32_t count, uint64_t bytes) : gpu_(gpu), bytes_(bytes) {
    use_gpu(gpu);
    void* p = nullptr;
    cuda_check(cudaMalloc(&p, uint64_t{count} * bytes), "allocating " + std::to_string(uint64_t{count} * bytes) + " bytes of GPU memory (shrink the experts with --scale)");
    memory_ = static_cast<char*>(p);
    cuda_check(cudaMalloc(reinterpret_cast<void**>(&first_), sizeof(unsigned long long)), "cudaMalloc");
  }
  ~DeviceStore() override {
    cudaFree(memory_);
    cudaFree(first_);
  }
  Location locate(uint32_t index, uint64_t offset) override {
    return Location{Location::Kind::kDevice, memory_ + uint64_t{index} * bytes_ + offset, -1, 0};
  }
  void fill(uint32_t index, uint64_t key, uint64_t version) override {
    fill_kernel<<<256, 256>>>(words(index), bytes_ / 8, pattern_word(key, version, 0));
    cuda_check(cudaDeviceSynchronize(), "filling an expert on the GPU");
  }
  std::optional<uint64_t> check(uint32_t index, uint64_t key, uint64_t version) override {
    const unsigned long long none = ~0ull;
    check_status(cudaMemcpy(first_, &none, sizeof none, cudaMemcpyHostToDevice));
    check_kernel<<<256, 256>>>(words(index), bytes_ / 8, pattern_word(key, version, 0), first_);
    unsigned long long first = none;
    check_status(cudaMemcpy(&first, first_, sizeof first, cudaMemcpyDeviceToHost));
    if (first == none) return std::nullopt;
    return first * 8;
  }
  void write(uint32_t index, const void* data) override {
    use_gpu(gpu_);
    cuda_check(cudaMemcpy(memory_ + uint64_t{index} * bytes_, data, bytes_, cudaMemcpyHostToDevice), "writing an expert to the GPU");
  }
  std::optional<uint64_t> compare(uint32_t index, const void* expected) override {
    use_gpu(gpu_);
    scratch_.resize(bytes_);
    check_status(cudaMemcpy(scratch_.data(), memory_ + uint64_t{index} * bytes_, bytes_, cudaMemcpyDeviceToHost));
    return first_difference(scratch_.data(), expected, bytes_);
  }
  std::string medium() const override { return "GPU " + std::to_string(gpu_) + " memory"; }
  std::string where(uint32_t index) const override { return medium() + ", slot " + std::to_string(index); }

 private:
  static void check_status(cudaError_t rc) { cuda_check(rc, "checking an expert on the GPU"); }
  unsigned long long* words(uint32_t index) { return reinterpret_cast<unsigned long long*>(memory_ + uint64_t{index} * bytes_); }
  std::vector<char> scratch_;  // a copy read back to compare
  int gpu_;
  uint64_t bytes_;
  char* memory_ = nullptr;
  unsigned long long* first_ = nullptr;
};

class PinnedHostStore final : public TierStore {
 public:
  PinnedHostStore(uint32_t count, uint64_t bytes, std::string medium) : bytes_(bytes), medium_(std::move(medium)) {
    void* p = nullptr;
    cuda_check(cudaHostAlloc(&p, uint64_t{count} * bytes, cudaHostAllocDefault), "pinning host memory (cudaHostAlloc; try --pageable or --scale)");
    memory_ = static_cast<char*>(p);
  }
  ~PinnedHostStore() override { cudaFreeHost(memory_); }
  Location locate(uint32_t index, uint64_t offset) override {
    return Location{Location::Kind::kHost, memory_ + uint64_t{index} * bytes_ + offset, -1, 0};
  }
  void fill(uint32_t index, uint64_t key, uint64_t version) override { fill_pattern(memory_ + uint64_t{index} * bytes_, bytes_, key, version); }
  std::optional<uint64_t> check(uint32_t index, uint64_t key, uint64_t version) override {
    return find_mismatch(memory_ + uint64_t{index} * bytes_, bytes_, key, version);
  }
  void write(uint32_t index, const void* data) override { std::memcpy(memory_ + uint64_t{index} * bytes_, data, bytes_); }
  std::optional<uint64_t> compare(uint32_t index, const void* expected) override {
    return first_difference(memory_ + uint64_t{index} * bytes_, expected, bytes_);
  }
  std::string medium() const override { return medium_ + " (pinned)"; }
  std::string where(uint32_t index) const override { return medium() + ", buffer " + std::to_string(index); }

 private:
  uint64_t bytes_;
  std::string medium_;
  char* memory_ = nullptr;
};

// Each copy is bracketed by two CUDA events on its stream; a host function queued after it
// stamps the moment the bytes arrived. Host functions may not call CUDA, so a finisher
// thread reads the events' elapsed time and hands the completion on.
class CudaExecutor final : public Executor {
 public:
  CudaExecutor(CompletionQueue& completions, int gpu, unsigned streams) : completions_(completions), gpu_(gpu) {
    use_gpu(gpu);
    streams_.resize(streams);
    for (cudaStream_t& s : streams_) cuda_check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
    finisher_ = std::thread([this] { finish_loop(); });
  }
  ~CudaExecutor() override {
    for (cudaStream_t s : streams_) cudaStreamSynchronize(s);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    finisher_.join();
    for (cudaStream_t s : streams_) cudaStreamDestroy(s);
    for (const EventPair& e : spare_events_) {
      cudaEventDestroy(e.start);
      cudaEventDestroy(e.stop);
    }
  }
  void submit(const Copy& copy) override {
    auto* pending = new Pending{this, Completion{}, take_events()};
    pending->done.owner = copy.owner;
    pending->done.id = copy.id;
    pending->done.started = std::chrono::steady_clock::now();
    cudaStream_t stream = streams_[next_++ % streams_.size()];
    cudaError_t rc = cudaEventRecord(pending->events.start, stream);
    if (rc == cudaSuccess) rc = cudaMemcpyAsync(copy.to.pointer, copy.from.pointer, copy.bytes, cudaMemcpyDefault, stream);
    if (rc == cudaSuccess) rc = cudaEventRecord(pending->events.stop, stream);
    if (rc == cudaSuccess) rc = cudaLaunchHostFunc(stream, &CudaExecutor::on_done, pending);
    if (rc != cudaSuccess) {
      pending->done.error = std::string("cudaMemcpyAsync: ") + cudaGetErrorString(rc);
      on_done(pending);
    }
  }
  std::string describe() const override {
    return "CUDA cudaMemcpyAsync on GPU " + std::to_string(gpu_) + ", " + std::to_string(streams_.size()) + " stream(s)";
  }

 private:
  struct EventPair {
    cudaEvent_t start = nullptr, stop = nullptr;
  };
  struct Pending {
    CudaExecutor* executor;
    Completion done;
    EventPair events;
  };
  EventPair take_events() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spare_events_.empty()) {
      EventPair e = spare_events_.back();
      spare_events_.pop_back();
      return e;
    }
    EventPair e;
    cuda_check(cudaEventCreate(&e.start), "cudaEventCreate");
    cuda_check(cudaEventCreate(&e.stop), "cudaEventCreate");
    return e;
  }
  // Runs on a CUDA driver thread when the copy has finished (no CUDA calls allowed here).
  static void CUDART_CB on_done(void* data) {
    auto* pending = static_cast<Pending*>(data);
    pending->done.finished = std::chrono::steady_clock::now();
    CudaExecutor* self = pending->executor;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->finished_.push_back(pending);
    }
    self->wake_.notify_one();
  }
  void finish_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !finished_.empty(); });
      if (finished_.empty()) return;  // stopping, and every copy handed on
      std::vector<Pending*> batch;
      batch.swap(finished_);
      lock.unlock();
      for (Pending* pending : batch) {
        float ms = 0;
        if (pending->done.error.empty() && cudaEventElapsedTime(&ms, pending->events.start, pending->events.stop) == cudaSuccess) {
          pending->done.device_seconds = ms / 1e3;
        }
        completions_.push(std::move(pending->done));
      }
      lock.lock();
      for (Pending* pending : batch) {
        spare_events_.push_back(pending->events);
        delete pending;
      }
    }
  }
  CompletionQueue& completions_;
  int gpu_;
  std::vector<cudaStream_t> streams_;
  uint64_t next_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending*> finished_;
  std::vector<EventPair> spare_events_;
  bool stopping_ = false;
  std::thread finisher_;
};

}  // namespace

std::string gpu_description(int gpu) {
  use_gpu(gpu);
  cudaDeviceProp p{};
  cuda_check(cudaGetDeviceProperties(&p, gpu), "cudaGetDeviceProperties");
  return std::string(p.name) + " (GPU " + std::to_string(gpu) + ", " + std::to_string(p.totalGlobalMem >> 30) + " GiB)";
}

std::unique_ptr<TierStore> make_device_store(int gpu, uint32_t count, uint64_t bytes) {
  return std::make_unique<DeviceStore>(gpu, count, bytes);
}

std::unique_ptr<TierStore> make_cuda_host_store(int gpu, uint32_t count, uint64_t bytes, bool pageable, std::string medium) {
  use_gpu(gpu);
  if (pageable) return make_host_store(count, bytes, medium + " (pageable)");
  return std::make_unique<PinnedHostStore>(count, bytes, std::move(medium));
}

std::unique_ptr<Executor> make_cuda_executor(CompletionQueue& completions, int gpu, unsigned streams) {
  return std::make_unique<CudaExecutor>(completions, gpu, streams);
}

CudaBuffer cuda_allocate(int gpu, uint64_t bytes, CudaBuffer::Kind kind) {
  use_gpu(gpu);
  CudaBuffer b;
  b.bytes = bytes;
  b.kind = kind;
  void* p = nullptr;
  if (kind == CudaBuffer::Kind::kDevice) {
    cuda_check(cudaMalloc(&p, bytes), "cudaMalloc");
  } else if (kind == CudaBuffer::Kind::kPinned) {
    cuda_check(cudaHostAlloc(&p, bytes, cudaHostAllocDefault), "cudaHostAlloc");
  } else {
    p = new char[bytes];
    fill_pattern(p, bytes, 3, 0);  // touch every page before anything is timed
  }
  b.data = static_cast<char*>(p);
  return b;
}

void cuda_free(CudaBuffer& b) {
  if (!b.data) return;
  if (b.kind == CudaBuffer::Kind::kDevice) cudaFree(b.data);
  else if (b.kind == CudaBuffer::Kind::kPinned) cudaFreeHost(b.data);
  else delete[] b.data;
  b.data = nullptr;
}

}  // namespace tiersim::real
