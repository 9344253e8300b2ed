#pragma once
// A trace as a stream of accesses read in batches, so replay memory never depends on
// the trace length and the per-access path has no virtual call.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "traces/access.h"

namespace tiersim::traces {

// One of a token group's candidate experts with its router score (a routing trace's
// `candidates` column).
struct RouterCandidate {
  uint32_t expert;
  double score;
};

class TraceReader {
 public:
  virtual ~TraceReader() = default;

  // Fills up to `capacity` accesses; returns how many (0 at the end). Malformed input
  // throws InputError naming file:line (or the record number for binary formats).
  virtual size_t read(Access* out, size_t capacity) = 0;

  // Where the trace comes from, for messages.
  virtual std::string source() const = 0;

  // Whether size_bytes carries information (byte-capacity caches need it).
  virtual bool has_sizes() const { return false; }

  // Router candidates: whether the trace gives them, and those of the access read as
  // (step, object), handed over once (false when it gave none for that access).
  virtual bool gives_candidates() const { return false; }
  virtual bool take_candidates(uint64_t /*step*/, uint64_t /*object*/, std::vector<RouterCandidate>& /*out*/) { return false; }

  // When set, a step number lower than the one before is an error (replays need steps in
  // order; plain cache replays do not care).
  void require_ordered_steps(bool on) { require_ordered_steps_ = on; }

 protected:
  bool require_ordered_steps_ = false;
};

// A reader over another (a check, next-use indices, token counts): what it says of the
// source, sizes and router candidates is the inner reader's.
class TraceWrapper : public TraceReader {
 public:
  explicit TraceWrapper(std::unique_ptr<TraceReader> inner) : inner_(std::move(inner)) {}
  std::string source() const override { return inner_->source(); }
  bool has_sizes() const override { return inner_->has_sizes(); }
  bool gives_candidates() const override { return inner_->gives_candidates(); }
  bool take_candidates(uint64_t step, uint64_t object, std::vector<RouterCandidate>& out) override {
    return inner_->take_candidates(step, object, out);
  }

 protected:
  std::unique_ptr<TraceReader> inner_;
};

}  // namespace tiersim::traces
