#pragma once
// Where one tier of a real run keeps its copies of the experts. Each store holds one
// buffer per expert of the run (capacity is the policies' business; a store only needs
// somewhere to put every expert it may be asked to hold), addressed by the expert's
// dense index. Stores can write an expert's content directly (the initial files, a
// training update) and check a copy against the content it should hold.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "real_backend/executor.h"

namespace tiersim::real {

class TierStore {
 public:
  virtual ~TierStore() = default;
  // The bytes at `offset` of expert `index`.
  virtual Location locate(uint32_t index, uint64_t offset) = 0;
  virtual void fill(uint32_t index, uint64_t key, uint64_t version) = 0;
  // The first offset where expert `index` differs from (key, version)'s content.
  virtual std::optional<uint64_t> check(uint32_t index, uint64_t key, uint64_t version) = 0;
  // Content given byte for byte (a trained expert's weights): written whole, or compared
  // whole with `expected` (the first 8-byte word that differs).
  virtual void write(uint32_t index, const void* data) = 0;
  virtual std::optional<uint64_t> compare(uint32_t index, const void* expected) = 0;
  // What the tier is, for outputs and errors.
  virtual std::string medium() const = 0;
  // Where a bad copy is, in an error: "host memory at expert slot 12", "file F at offset O".
  virtual std::string where(uint32_t index) const = 0;
};

// Host memory for `count` experts of `bytes` each (page-aligned, faulted in up front).
std::unique_ptr<TierStore> make_host_store(uint32_t count, uint64_t bytes, std::string medium);

// Files under `dir` opened with O_DIRECT: one per expert, or one file holding all of them
// at index * bytes. `bytes` must be a multiple of 4 KiB.
enum class FileLayout { kPerExpert, kSingleFile };
std::unique_ptr<TierStore> make_file_store(const std::string& dir, FileLayout layout, uint32_t count, uint64_t bytes);
// The files such a store uses.
std::vector<std::string> file_store_paths(const std::string& dir, FileLayout layout, uint32_t count);
// Whether every one of them exists and is long enough to hold its experts (an earlier
// run's files can be reused only then: a deleted or truncated one must be written again).
bool file_store_complete(const std::string& dir, FileLayout layout, uint32_t count, uint64_t bytes);

// Host memory on a 2 MiB boundary, in transparent huge pages where the kernel allows
// (whole ones: a small buffer takes one), faulted in up front, that frees itself.
class HostBuffer {
 public:
  explicit HostBuffer(uint64_t bytes);
  ~HostBuffer();
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  char* data() const { return data_; }
  uint64_t size() const { return bytes_; }

 private:
  char* data_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t mapped_ = 0;  // bytes_ rounded up to whole huge pages
};

// The pages HostBuffer gets on this machine, for outputs: "2 MiB transparent huge pages
// (madvise)" or "4 KiB pages (transparent huge pages: never)".
std::string host_page_size();

}  // namespace tiersim::real
