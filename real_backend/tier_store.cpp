#include "real_backend/tier_store.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "real_backend/machine_checks.h"
#include "real_backend/pattern.h"

namespace tiersim::real {

namespace {

constexpr uint64_t kHugePage = 2ull << 20;
constexpr uint64_t kPage = 4096;

// An anonymous mapping of `bytes` starting on a 2 MiB boundary (where it is that large),
// so that every 2 MiB of it can be one huge page.
char* map_aligned(uint64_t bytes) {
  const uint64_t extra = bytes >= kHugePage ? kHugePage : 0;
  const uint64_t length = (bytes + kPage - 1) / kPage * kPage;
  void* p = mmap(nullptr, length + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw BackendUnavailable("cannot allocate " + std::to_string(bytes) + " bytes of host memory: " + std::strerror(errno) +
                             "; shrink the experts with --scale");
  }
  char* start = static_cast<char*>(p);
  if (extra == 0) return start;
  char* aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(start) + kHugePage - 1) / kHugePage * kHugePage);
  if (aligned > start) munmap(start, static_cast<size_t>(aligned - start));
  char* tail = aligned + length;
  char* end = start + length + extra;
  if (end > tail) munmap(tail, static_cast<size_t>(end - tail));
  return aligned;
}

}  // namespace

std::string host_page_size() {
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(setting)), std::istreambuf_iterator<char>());
  const size_t open = text.find('['), close = text.find(']');
  const std::string mode = open != std::string::npos && close > open ? text.substr(open + 1, close - open - 1) : "unknown";
  if (mode == "always" || mode == "madvise") return "2 MiB transparent huge pages (" + mode + ")";
  return "4 KiB pages (transparent huge pages: " + mode + ")";
}

HostBuffer::HostBuffer(uint64_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  // Whole huge pages, even for a small buffer: what a direct write is sent from decides,
  // on a virtual disk, how fast the file reads for the rest of its life (a file first
  // written from 4 KiB pages read 514.5 KiB requests in 140 us at the median, one first
  // written from huge pages in 88 us), and calibrate's test file is written from huge pages.
  mapped_ = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  data_ = map_aligned(mapped_);
  // Huge pages where the kernel gives them (transparent huge pages in "madvise" or
  // "always" mode). A direct I/O request into 4 KiB pages carries one segment per page
  // unless the pages happen to be physically adjacent; on a virtualised disk that made
  // 1 MiB reads at queue depth 8 run anywhere between 1.8 and 4.7 GB/s depending on how
  // fragmented memory was, and at 7-8 GB/s every time in 2 MiB pages (as fio does in
  // hugetlb memory). The pinned buffers of a serving stack are large contiguous
  // allocations too.
  madvise(data_, mapped_, MADV_HUGEPAGE);
  // Every page written once by the CPU now, so that no first-write cost lands inside a
  // measured copy (MADV_POPULATE_WRITE is not enough: a copy into memory populated that
  // way measured 15 times slower than into memory written once).
  std::memset(data_, 0xa5, mapped_);
}

HostBuffer::~HostBuffer() {
  if (data_) munmap(data_, mapped_);
}

namespace {

class HostStore final : public TierStore {
 public:
  HostStore(uint32_t count, uint64_t bytes, std::string medium)
      : bytes_(bytes), memory_(uint64_t{count} * bytes), medium_(std::move(medium)) {}
  Location locate(uint32_t index, uint64_t offset) override {
    return Location{Location::Kind::kHost, memory_.data() + uint64_t{index} * bytes_ + offset, -1, 0};
  }
  void fill(uint32_t index, uint64_t key, uint64_t version) override {
    fill_pattern(memory_.data() + uint64_t{index} * bytes_, bytes_, key, version);
  }
  std::optional<uint64_t> check(uint32_t index, uint64_t key, uint64_t version) override {
    return find_mismatch(memory_.data() + uint64_t{index} * bytes_, bytes_, key, version);
  }
  void write(uint32_t index, const void* data) override { std::memcpy(memory_.data() + uint64_t{index} * bytes_, data, bytes_); }
  std::optional<uint64_t> compare(uint32_t index, const void* expected) override {
    return first_difference(memory_.data() + uint64_t{index} * bytes_, expected, bytes_);
  }
  std::string medium() const override { return medium_; }
  std::string where(uint32_t index) const override { return medium_ + ", buffer " + std::to_string(index); }

 private:
  uint64_t bytes_;
  HostBuffer memory_;
  std::string medium_;
};

class FileStore final : public TierStore {
 public:
  FileStore(const std::string& dir, FileLayout layout, uint32_t count, uint64_t bytes)
      : dir_(dir), layout_(layout), bytes_(bytes), scratch_(bytes) {
    paths_ = file_store_paths(dir, layout, count);
    for (const std::string& path : paths_) fds_.push_back(open_direct(path));
  }
  ~FileStore() override {
    for (int fd : fds_) close(fd);
  }
  Location locate(uint32_t index, uint64_t offset) override {
    return Location{Location::Kind::kFile, nullptr, fd_of(index), file_offset(index) + offset};
  }
  void fill(uint32_t index, uint64_t key, uint64_t version) override {
    fill_pattern(scratch_.data(), bytes_, key, version);
    write_scratch(index);
  }
  std::optional<uint64_t> check(uint32_t index, uint64_t key, uint64_t version) override {
    if (auto short_at = read_scratch(index)) return short_at;
    return find_mismatch(scratch_.data(), bytes_, key, version);
  }
  void write(uint32_t index, const void* data) override {
    std::memcpy(scratch_.data(), data, bytes_);  // O_DIRECT wants an aligned buffer
    write_scratch(index);
  }
  std::optional<uint64_t> compare(uint32_t index, const void* expected) override {
    if (auto short_at = read_scratch(index)) return short_at;
    return first_difference(scratch_.data(), expected, bytes_);
  }
  std::string medium() const override { return "files in " + dir_ + " (O_DIRECT)"; }
  std::string where(uint32_t index) const override {
    return layout_ == FileLayout::kSingleFile ? "file " + paths_[0] + " at offset " + std::to_string(file_offset(index))
                                              : "file " + paths_[index];
  }

 private:
  void write_scratch(uint32_t index) {
    for (uint64_t done = 0; done < bytes_;) {
      const ssize_t n = pwrite(fd_of(index), scratch_.data() + done, bytes_ - done, static_cast<off_t>(file_offset(index) + done));
      if (n <= 0) throw BackendUnavailable("writing " + where(index) + " failed: " + (n < 0 ? std::strerror(errno) : "no space"));
      done += static_cast<uint64_t>(n);
    }
  }
  // Reads the expert into the scratch buffer; the offset where its file ends early, if it does.
  std::optional<uint64_t> read_scratch(uint32_t index) {
    for (uint64_t done = 0; done < bytes_;) {
      const ssize_t n = pread(fd_of(index), scratch_.data() + done, bytes_ - done, static_cast<off_t>(file_offset(index) + done));
      if (n < 0) throw BackendUnavailable("reading " + where(index) + " failed: " + std::strerror(errno));
      if (n == 0) return done;  // the file ends early: everything from here is missing
      done += static_cast<uint64_t>(n);
    }
    return std::nullopt;
  }
  int fd_of(uint32_t index) const { return layout_ == FileLayout::kSingleFile ? fds_[0] : fds_[index]; }
  uint64_t file_offset(uint32_t index) const { return layout_ == FileLayout::kSingleFile ? uint64_t{index} * bytes_ : 0; }

  std::string dir_;
  FileLayout layout_;
  uint64_t bytes_;
  HostBuffer scratch_;
  std::vector<std::string> paths_;
  std::vector<int> fds_;
};

}  // namespace

std::unique_ptr<TierStore> make_host_store(uint32_t count, uint64_t bytes, std::string medium) {
  return std::make_unique<HostStore>(count, bytes, std::move(medium));
}

std::vector<std::string> file_store_paths(const std::string& dir, FileLayout layout, uint32_t count) {
  if (layout == FileLayout::kSingleFile) return {dir + "/experts.bin"};
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < count; ++i) paths.push_back(dir + "/expert_" + std::to_string(i) + ".bin");
  return paths;
}

bool file_store_complete(const std::string& dir, FileLayout layout, uint32_t count, uint64_t bytes) {
  const uint64_t needed = layout == FileLayout::kSingleFile ? uint64_t{count} * bytes : bytes;
  std::error_code error;
  for (const std::string& path : file_store_paths(dir, layout, count))
    if (std::filesystem::file_size(path, error) < needed || error) return false;
  return true;
}

std::unique_ptr<TierStore> make_file_store(const std::string& dir, FileLayout layout, uint32_t count, uint64_t bytes) {
  return std::make_unique<FileStore>(dir, layout, count, bytes);
}

}  // namespace tiersim::real
