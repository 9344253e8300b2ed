#include "sim/engine/memory.h"

#include <fstream>
#include <string>

namespace sim {

uint64_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string name, unit;
  uint64_t kib = 0;
  while (meminfo >> name >> kib >> unit) {
    if (name == "MemAvailable:") return kib * 1024;
  }
  return UINT64_MAX;  // unknown: let the allocation itself fail
}

}  // namespace sim
