#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "real_backend/machine_checks.h"
#include "real_backend/pattern.h"
#include "real_backend/tier_store.h"
#include "real_backend/uring_executor.h"

using namespace tiersim::real;

namespace {

constexpr uint64_t kMiB = 1 << 20;

// A file beside the test binary (on a disk, which takes O_DIRECT), removed afterwards.
struct ScratchFile {
  std::string path = (std::filesystem::current_path() / "uring_executor_test.bin").string();
  int fd = open_direct(path);
  ~ScratchFile() {
    close(fd);
    std::filesystem::remove(path);
  }
};

// Runs one copy to its completion; returns its error ("" when it succeeded).
std::string run_copy(unsigned queue_depth, uint64_t block, const Copy& copy) {
  CompletionQueue completions;
  auto executor = make_uring_executor(completions, queue_depth, block);
  executor->submit(copy);
  std::vector<Completion> done;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (done.empty() && std::chrono::steady_clock::now() < give_up) {
    completions.wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(100), done);
  }
  REQUIRE(done.size() == 1);
  return done[0].error;
}

Copy file_copy(bool reading, char* host, int fd, uint64_t offset, uint64_t bytes, uint64_t host_ring) {
  Copy c;
  const Location file{Location::Kind::kFile, nullptr, fd, offset};
  const Location memory{Location::Kind::kHost, host, -1, 0};
  c.from = reading ? file : memory;
  c.to = reading ? memory : file;
  c.bytes = bytes;
  c.host_ring = host_ring;
  return c;
}

}  // namespace

TEST_CASE("a file copy through a host ring cycles its requests through the ring, as fio's buffer does") {
  ScratchFile file;
  // A 4 MiB write from a 1 MiB ring: the file holds the ring's content four times over.
  HostBuffer ring(kMiB);
  fill_pattern(ring.data(), kMiB, 7, 1);
  REQUIRE(run_copy(4, 256 << 10, file_copy(false, ring.data(), file.fd, 0, 4 * kMiB, kMiB)) == "");
  HostBuffer back(4 * kMiB);
  REQUIRE(pread(file.fd, back.data(), 4 * kMiB, 0) == static_cast<ssize_t>(4 * kMiB));
  for (uint64_t piece = 0; piece < 4; ++piece) {
    CHECK(std::memcmp(back.data() + piece * kMiB, ring.data(), kMiB) == 0);
  }

  // The file written in full from 4 MiB of one expert's content, then read back one
  // request at a time through a 1 MiB ring into a 2 MiB buffer: the ring ends holding the
  // last MiB, and nothing past the ring is touched.
  HostBuffer content(4 * kMiB);
  fill_pattern(content.data(), 4 * kMiB, 9, 2);
  REQUIRE(run_copy(8, kMiB, file_copy(false, content.data(), file.fd, 0, 4 * kMiB, 0)) == "");
  HostBuffer into(2 * kMiB);
  std::memset(into.data(), 0x5a, 2 * kMiB);
  REQUIRE(run_copy(1, kMiB, file_copy(true, into.data(), file.fd, 0, 4 * kMiB, kMiB)) == "");
  CHECK_FALSE(find_mismatch(into.data(), kMiB, 9, 2, 3 * kMiB).has_value());
  const std::vector<char> untouched(kMiB, 0x5a);
  CHECK(std::memcmp(into.data() + kMiB, untouched.data(), kMiB) == 0);

  // Without a ring the same read fills 4 MiB in order.
  HostBuffer whole(4 * kMiB);
  REQUIRE(run_copy(8, kMiB, file_copy(true, whole.data(), file.fd, 0, 4 * kMiB, 0)) == "");
  CHECK_FALSE(find_mismatch(whole.data(), 4 * kMiB, 9, 2).has_value());
}
