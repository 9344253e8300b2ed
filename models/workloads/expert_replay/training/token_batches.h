#pragma once
// Where a training step's tokens go, as an access stream whose accesses carry `tokens`:
//  - TokenBatchTrace: train.py's batches. Each step draws batch_size tokens from
//    envs_per_batch environments, an equal share each (the first batch_size mod
//    envs_per_batch get one more); each environment is its own stream of the generator's
//    sampler over the n_envs environments (episode: runs of episode_len steps in one
//    environment; markov: kept with p_stay; uniform, zipf: drawn each step; env: a hashed
//    environment), so envs_per_batch sets the unique experts per step under every sampler.
//    A fixed top-1 router sends environment e to expert e mod n_experts in every layer;
//    environments on one expert add their tokens.
//  - TokenSplitTrace: a recorded routing (any trace format) with the batch's tokens split
//    evenly over the experts each layer of a step uses, unless the trace gives each
//    access's tokens (a csv trace's `tokens` column); its router candidates pass through.
#include <cstdint>
#include <memory>
#include <vector>

#include "traces/generators/generator_spec.h"
#include "traces/generators/i_sampler.h"
#include "traces/trace_reader.h"

namespace tiersim::models {

class TokenBatchTrace final : public traces::TraceReader {
 public:
  // Throws InputError on a bad spec (envs_per_batch above n_envs among them).
  TokenBatchTrace(const traces::GeneratorSpec& spec, uint32_t batch_size, uint32_t envs_per_batch);
  size_t read(traces::Access* out, size_t capacity) override;
  std::string source() const override;

 private:
  void draw_step();

  traces::GeneratorSpec spec_;
  uint32_t batch_size_, envs_per_batch_;
  std::vector<std::unique_ptr<traces::Sampler>> streams_;
  std::vector<std::pair<uint32_t, uint32_t>> experts_;  // (expert, tokens) of the step, by expert
  std::vector<uint32_t> picks_;
  uint64_t step_ = 0;
  uint32_t layer_ = 0;
  size_t position_ = 0;
  bool started_ = false, done_ = false;
};

class TokenSplitTrace final : public traces::TraceWrapper {
 public:
  TokenSplitTrace(std::unique_ptr<traces::TraceReader> inner, uint32_t batch_size);
  size_t read(traces::Access* out, size_t capacity) override;

 private:
  bool next_group();
  bool peek(traces::Access& a);

  uint32_t batch_size_;
  std::vector<traces::Access> buffer_;
  size_t buffer_position_ = 0, buffer_size_ = 0;
  std::vector<traces::Access> group_;
  size_t group_position_ = 0;
};

}  // namespace tiersim::models
