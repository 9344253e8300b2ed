#pragma once
// Test helpers: a trace held in memory, and temporary files.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "traces/trace_reader.h"

namespace tiersim::testing {

class VectorTrace final : public traces::TraceReader {
 public:
  explicit VectorTrace(std::vector<traces::Access> accesses) : accesses_(std::move(accesses)) {}
  size_t read(traces::Access* out, size_t capacity) override {
    size_t n = 0;
    while (n < capacity && position_ < accesses_.size()) out[n++] = accesses_[position_++];
    return n;
  }
  std::string source() const override { return "memory"; }

 private:
  std::vector<traces::Access> accesses_;
  size_t position_ = 0;
};

// Opens a fresh in-memory reading of `accesses` each time it is called.
inline std::function<std::unique_ptr<traces::TraceReader>()> opener(std::vector<traces::Access> accesses) {
  return [accesses] { return std::unique_ptr<traces::TraceReader>(new VectorTrace(accesses)); };
}

inline traces::Access expert_access(uint64_t step, uint32_t layer, uint32_t expert) {
  traces::Access a;
  a.step = step;
  a.object = traces::Access::object_of(layer, expert);
  return a;
}

// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tiersim-unit-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace tiersim::testing
