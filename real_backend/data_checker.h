#pragma once
// Keeps a real run honest about its bytes. Every expert's content is a function of (key,
// version); the checker knows the version each expert must have (training bumps it when
// the expert is updated in tier 0) and checks:
//  - a layer's experts in tier 0 when its compute starts (every byte that was read up the
//    hierarchy and is about to be used), and applies the training update there when the
//    compute updates them;
//  - every expert in the backing store at the end, against its final version.
// A mismatch throws RunFailure naming the expert, the tier and its copy, the transfer that
// last wrote it, and what the tiers below hold, so the corruption can be traced to its
// source.
//
// The check of a layer runs on the loop's thread while its compute is waited out. Where it
// takes longer than the compute, the layer ends late and the measured times include the
// difference; the checker counts those layers so that the run can say so.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/workloads/expert_replay/expert_replay.h"

namespace tiersim::real {

class ExpertCatalog;
class HostBuffer;
class RealLink;
class TierStore;
class TrainedWeights;

class DataChecker final : public models::ReplayObserver {
 public:
  // `stores[t]` is tier t's store; `names[t]` its name; `links` the run's links.
  ~DataChecker() override;
  DataChecker(std::vector<TierStore*> stores, std::vector<std::string> names, std::vector<RealLink*> links,
              const ExpertCatalog& catalog, bool training);

  // A training block's run: every expert is float weights (real_backend/trained_weights.h)
  // rather than a version pattern; the checker keeps the bytes each must hold and applies
  // each update to them and to the copy in tier 0.
  void use_trained_weights(const TrainedWeights* weights, uint64_t object_bytes);

  // Writes every expert's version-0 content into the backing store.
  void prepare_backing_store();
  void on_compute(const traces::Access* begin, const traces::Access* end, bool update, sim::Time compute) override;
  // Checks every expert in the backing store; throws on the first mismatches (up to 8 named).
  void verify_backing_store();

  // The version each expert's content has now (in the backing store at the start).
  const std::vector<uint64_t>& versions() const { return version_; }
  void set_versions(std::vector<uint64_t> versions) { version_ = std::move(versions); }

  uint64_t experts_checked() const { return checked_; }
  uint64_t bytes_checked() const { return bytes_checked_; }
  uint64_t updates() const { return updates_; }
  double check_seconds() const { return check_seconds_; }
  // Layers checked; those whose check outlasted their compute, and by how long in all.
  uint64_t layers_checked() const { return layers_; }
  uint64_t overrun_layers() const { return overrun_layers_; }
  double overrun_seconds() const { return overrun_seconds_; }

 private:
  [[noreturn]] void fail(uint32_t tier, uint32_t index, uint64_t offset, const std::string& when);
  // Where tier `tier`'s copy of expert `index` first differs from what it must hold.
  std::optional<uint64_t> mismatch(uint32_t tier, uint32_t index);
  char* expected(uint32_t index) const;

  std::vector<TierStore*> stores_;
  std::vector<std::string> names_;
  std::vector<RealLink*> links_;
  const ExpertCatalog& catalog_;
  bool training_;
  std::vector<uint64_t> version_;
  const TrainedWeights* weights_ = nullptr;
  std::unique_ptr<HostBuffer> expected_;  // trained weights: what each expert must hold
  uint64_t object_bytes_ = 0;
  uint64_t checked_ = 0, bytes_checked_ = 0, updates_ = 0;
  double check_seconds_ = 0;
  uint64_t layers_ = 0, overrun_layers_ = 0;
  double overrun_seconds_ = 0;
};

}  // namespace tiersim::real
