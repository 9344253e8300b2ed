#pragma once
// A synthetic trace streamed from a sampler: steps 0..steps-1, layers in order, each
// layer's experts ascending. Nothing is held beyond the current layer.
#include <memory>
#include <vector>

#include "traces/generators/generator_spec.h"
#include "traces/generators/i_sampler.h"
#include "traces/trace_reader.h"

namespace tiersim::traces {

class GeneratedTrace final : public TraceReader {
 public:
  explicit GeneratedTrace(const GeneratorSpec& spec);  // throws InputError on a bad spec
  size_t read(Access* out, size_t capacity) override;
  std::string source() const override;

 private:
  bool advance();

  GeneratorSpec spec_;
  std::unique_ptr<Sampler> sampler_;
  std::vector<uint32_t> experts_;
  size_t position_ = 0;
  uint64_t step_ = 0;
  uint32_t layer_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace tiersim::traces
