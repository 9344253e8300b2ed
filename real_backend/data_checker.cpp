#include "real_backend/data_checker.h"

#include <chrono>

#include "sim/errors.h"
#include "real_backend/expert_catalog.h"
#include "real_backend/real_link.h"
#include "real_backend/tier_store.h"
#include "real_backend/trained_weights.h"

namespace tiersim::real {

DataChecker::DataChecker(std::vector<TierStore*> stores, std::vector<std::string> names, std::vector<RealLink*> links,
                         const ExpertCatalog& catalog, bool training)
    : stores_(std::move(stores)), names_(std::move(names)), links_(std::move(links)), catalog_(catalog), training_(training),
      version_(catalog.size(), 0) {}

DataChecker::~DataChecker() = default;

void DataChecker::use_trained_weights(const TrainedWeights* weights, uint64_t object_bytes) {
  weights_ = weights;
  object_bytes_ = object_bytes;
  expected_ = std::make_unique<HostBuffer>(uint64_t{catalog_.size()} * object_bytes);
}

char* DataChecker::expected(uint32_t index) const { return expected_->data() + uint64_t{index} * object_bytes_; }

std::optional<uint64_t> DataChecker::mismatch(uint32_t tier, uint32_t index) {
  if (weights_) return stores_[tier]->compare(index, expected(index));
  return stores_[tier]->check(index, catalog_.key(index), version_[index]);
}

void DataChecker::prepare_backing_store() {
  for (uint32_t i = 0; i < catalog_.size(); ++i) {
    if (weights_) {
      weights_->initial(expected(i), catalog_.key(i));
      stores_.back()->write(i, expected(i));
    } else {
      stores_.back()->fill(i, catalog_.key(i), 0);
    }
  }
}

void DataChecker::on_compute(const traces::Access* begin, const traces::Access* end, bool update, sim::Time compute) {
  const auto start = std::chrono::steady_clock::now();
  for (const traces::Access* a = begin; a != end; ++a) {
    const uint32_t index = catalog_.index(a->object);
    if (auto bad = mismatch(0, index)) fail(0, index, *bad, "when its layer's compute started");
    ++checked_;
    if (training_ && update) {  // the in-place update of a training step: a new version
      ++version_[index];
      if (weights_) {
        weights_->update(expected(index), a->object, a->step, version_[index]);
        stores_[0]->write(index, expected(index));
      } else {
        stores_[0]->fill(index, a->object, version_[index]);
      }
      ++updates_;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_seconds_ += seconds;
  ++layers_;
  const double compute_s = sim::to_seconds(compute);
  if (seconds > compute_s) {
    ++overrun_layers_;
    overrun_seconds_ += seconds - compute_s;
  }
}

void DataChecker::verify_backing_store() {
  const uint32_t backing = static_cast<uint32_t>(stores_.size() - 1);
  for (uint32_t i = 0; i < catalog_.size(); ++i) {
    if (auto bad = mismatch(backing, i)) fail(backing, i, *bad, "at the end of the run");
  }
}

void DataChecker::fail(uint32_t tier, uint32_t index, uint64_t offset, const std::string& when) {
  const uint64_t key = catalog_.key(index);
  const std::string what = weights_ ? "its weights after update " : "version ";
  std::string message = catalog_.describe(key) + ": its copy in tier \"" + names_[tier] + "\" (" + stores_[tier]->where(index) +
                        ") does not hold " + what + std::to_string(version_[index]) + " " + when + ": the bytes differ from offset " +
                        std::to_string(offset) + ".";
  std::string writer;
  for (const RealLink* link : links_)
    if (link->spec().to_tier == tier && !link->last_write(index).empty()) writer = link->last_write(index);
  message += writer.empty() ? " No transfer of this run wrote that copy." : " It was last written by " + writer + ".";
  // Where the bad bytes came from: the copies below, checked against the same version.
  uint32_t source = tier;
  for (uint32_t t = tier + 1; t < stores_.size(); ++t) {
    const auto below = mismatch(t, index);
    message += " Tier \"" + names_[t] + "\" (" + stores_[t]->where(index) + ") " +
               (below ? "differs from offset " + std::to_string(*below) : std::string("holds the right bytes")) + ".";
    if (below && source + 1 == t) source = t;
  }
  message += " The bad bytes came from tier \"" + names_[source] + "\" (" + stores_[source]->where(index) + ").";
  throw RunFailure("data check failed: " + message);
}

}  // namespace tiersim::real
