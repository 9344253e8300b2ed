#include "models/workloads/expert_replay/training/token_batches.h"

#include <algorithm>

#include "sim/engine/random.h"
#include "sim/errors.h"
#include "traces/generators/environment_routing.h"
#include "traces/generators/sampler_registry.h"

namespace tiersim::models {

namespace {

// The sampler as a stream of environments: one pick a step over n_envs "experts", each
// pick exactly the environment it routes to.
traces::GeneratorSpec environment_stream(const traces::GeneratorSpec& spec, uint32_t stream) {
  traces::GeneratorSpec s = spec;
  s.n_experts = traces::environments(spec);
  s.n_layers = 1;
  s.experts_per_step = 1;
  s.seed = stream == 0 ? spec.seed : sim::mix64(spec.seed + 0x9e3779b97f4a7c15ull * stream);
  for (const char* key : {"env_width", "envs_per_batch"}) s.set(key, 1);
  for (const char* key : {"noise", "distinct", "n_envs"}) s.set(key, 0);
  return s;
}

}  // namespace

TokenBatchTrace::TokenBatchTrace(const traces::GeneratorSpec& spec, uint32_t batch_size, uint32_t envs_per_batch)
    : spec_(spec), batch_size_(batch_size), envs_per_batch_(envs_per_batch) {
  traces::validate(spec_, "generator");
  const uint32_t envs = traces::environments(spec_);
  if (envs_per_batch_ > envs) {
    throw InputError("training.envs_per_batch: " + std::to_string(envs_per_batch_) + " environments per batch, but the generator has only " +
                     std::to_string(envs) + " (n_envs); expected at most " + std::to_string(envs));
  }
  const traces::SamplerEntry* entry = traces::SamplerRegistry::find(spec_.sampler);
  for (uint32_t i = 0; i < envs_per_batch_; ++i) streams_.push_back(entry->make(environment_stream(spec_, i)));
}

std::string TokenBatchTrace::source() const {
  return "training batches (sampler " + spec_.sampler + ", seed " + std::to_string(spec_.seed) + ")";
}

void TokenBatchTrace::draw_step() {
  experts_.clear();
  const uint32_t share = batch_size_ / envs_per_batch_, extra = batch_size_ % envs_per_batch_;
  for (uint32_t i = 0; i < envs_per_batch_; ++i) {
    streams_[i]->begin_step(step_);
    streams_[i]->sample_layer(0, picks_);
    const uint32_t expert = picks_.front() % spec_.n_experts;
    experts_.emplace_back(expert, share + (i < extra ? 1 : 0));
  }
  std::sort(experts_.begin(), experts_.end());
  size_t out = 0;
  for (size_t i = 0; i < experts_.size(); ++i) {
    if (out > 0 && experts_[out - 1].first == experts_[i].first) {
      experts_[out - 1].second += experts_[i].second;
    } else {
      experts_[out++] = experts_[i];
    }
  }
  experts_.resize(out);
}

size_t TokenBatchTrace::read(traces::Access* out, size_t capacity) {
  size_t count = 0;
  while (count < capacity && !done_) {
    if (!started_ || position_ == experts_.size()) {
      if (!started_) {
        started_ = true;
        draw_step();
      } else if (++layer_ == spec_.n_layers) {
        layer_ = 0;
        if (++step_ == spec_.steps) {
          done_ = true;
          break;
        }
        draw_step();
      }
      position_ = 0;
    }
    while (count < capacity && position_ < experts_.size()) {
      traces::Access& a = out[count++];
      a = traces::Access{};
      a.step = step_;
      a.object = traces::Access::object_of(layer_, experts_[position_].first);
      a.tokens = experts_[position_++].second;
    }
  }
  return count;
}

TokenSplitTrace::TokenSplitTrace(std::unique_ptr<traces::TraceReader> inner, uint32_t batch_size)
    : TraceWrapper(std::move(inner)), batch_size_(batch_size), buffer_(4096) {}

bool TokenSplitTrace::peek(traces::Access& a) {
  if (buffer_position_ == buffer_size_) {
    buffer_size_ = inner_->read(buffer_.data(), buffer_.size());
    buffer_position_ = 0;
    if (buffer_size_ == 0) return false;
  }
  a = buffer_[buffer_position_];
  return true;
}

// Reads the next (step, layer)'s accesses and gives them their tokens.
bool TokenSplitTrace::next_group() {
  group_.clear();
  group_position_ = 0;
  traces::Access a;
  while (peek(a)) {
    if (!group_.empty() && (a.step != group_.front().step || a.layer() != group_.front().layer())) break;
    group_.push_back(a);
    ++buffer_position_;
  }
  if (group_.empty()) return false;
  if (group_.front().tokens > 0) return true;  // the trace says how many tokens each expert takes
  const uint64_t n = group_.size();
  if (n > batch_size_) {
    throw InputError(source() + ": step " + std::to_string(group_.front().step) + " layer " + std::to_string(group_.front().layer()) +
                     " uses " + std::to_string(n) + " experts but a batch has only " + std::to_string(batch_size_) +
                     " tokens (batch_size); expected at most one expert per token");
  }
  for (uint64_t i = 0; i < n; ++i) group_[i].tokens = static_cast<uint32_t>(batch_size_ / n + (i < batch_size_ % n ? 1 : 0));
  return true;
}

size_t TokenSplitTrace::read(traces::Access* out, size_t capacity) {
  size_t count = 0;
  while (count < capacity) {
    if (group_position_ == group_.size() && !next_group()) break;
    while (count < capacity && group_position_ < group_.size()) out[count++] = group_[group_position_++];
  }
  return count;
}

}  // namespace tiersim::models
