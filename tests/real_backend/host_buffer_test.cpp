#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "real_backend/tier_store.h"

using namespace tiersim::real;

namespace {

// The kB of transparent huge pages backing the mapping that holds `address`, from
// /proc/self/smaps.
uint64_t huge_kb_around(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto where = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t start = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> start >> dash >> end && dash == '-' && line.find(':') > line.find(' ')) {
      inside = start <= where && where < end;
    } else if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      return std::stoull(line.substr(14));
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("a small host buffer takes a whole huge page, so that what is written from it is written as from a large one") {
  HostBuffer small(526848);  // one of the MoE prototype's experts
  CHECK(small.size() == 526848);
  CHECK(reinterpret_cast<uintptr_t>(small.data()) % (2 << 20) == 0);
  small.data()[small.size() - 1] = 1;  // all of it is there to write
  if (host_page_size().rfind("2 MiB", 0) != 0) {
    MESSAGE("transparent huge pages are off here: " << host_page_size());
    return;
  }
  CHECK(huge_kb_around(small.data()) >= 2048);
}
