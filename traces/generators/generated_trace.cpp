#include "traces/generators/generated_trace.h"

#include "traces/generators/sampler_registry.h"

namespace tiersim::traces {

GeneratedTrace::GeneratedTrace(const GeneratorSpec& spec) : spec_(spec) {
  validate(spec_, "generator");
  sampler_ = SamplerRegistry::find(spec_.sampler)->make(spec_);
}

std::string GeneratedTrace::source() const {
  return "generator (sampler " + spec_.sampler + ", seed " + std::to_string(spec_.seed) + ")";
}

// Moves to the next non-empty layer; false at the end of the trace.
bool GeneratedTrace::advance() {
  for (;;) {
    if (!started_) {
      started_ = true;
      step_ = 0;
      layer_ = 0;
      sampler_->begin_step(0);
    } else if (++layer_ == spec_.n_layers) {
      layer_ = 0;
      if (++step_ == spec_.steps) return false;
      sampler_->begin_step(step_);
    }
    sampler_->sample_layer(layer_, experts_);
    position_ = 0;
    if (!experts_.empty()) return true;
  }
}

size_t GeneratedTrace::read(Access* out, size_t capacity) {
  size_t count = 0;
  while (count < capacity && !done_) {
    if (position_ == experts_.size() && !advance()) {
      done_ = true;
      break;
    }
    while (count < capacity && position_ < experts_.size()) {
      Access& a = out[count++];
      a.step = step_;
      a.object = Access::object_of(layer_, experts_[position_++]);
      a.size_bytes = 0;
      a.next_access = -1;
    }
  }
  return count;
}

}  // namespace tiersim::traces
