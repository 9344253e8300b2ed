#pragma once
// A link whose transfers really happen: each TransferRequest (bytes of an expert at an
// offset) becomes a copy between the two tiers' stores on the link's executor. Delivery
// is reported to the simulator at the moment the bytes arrived (on the run's wall
// clock), so the workload code runs unchanged and its figures are measured ones. The
// statistics mean what they mean for a simulated link, measured: latency from
// submission to arrival, busy time as the union of the intervals the executor was moving
// this link's bytes (which is also its time in flight: its service and latency are one).
#include <cstdint>
#include <string>
#include <vector>

#include "models/links/i_link.h"
#include "real_backend/clock.h"
#include "real_backend/executor.h"

namespace tiersim::real {

class ExpertCatalog;
class TierStore;

class RealLink final : public models::ILink {
 public:
  RealLink(sim::Simulator& simulator, const RunClock& clock, models::LinkSpec spec, Executor& executor, TierStore& from,
           TierStore& to, const ExpertCatalog& catalog);

  void submit(const models::TransferRequest& request, models::TransferDone done, models::Priority priority) override;
  const models::LinkSpec& spec() const override { return spec_; }
  models::LinkStats stats() const override;

  // Called by the run's loop with a completion of this link's executor; throws
  // RunFailure if the copy failed.
  void complete(const Completion& completion);
  uint64_t in_flight() const { return in_flight_; }
  // The last transfer that wrote expert `index` into the destination tier, for errors.
  std::string last_write(uint32_t index) const;
  const Executor& executor() const { return executor_; }

 private:
  struct Pending {
    models::TransferDone done;
    uint64_t key, offset, bytes, number;
    std::chrono::steady_clock::time_point submitted;
  };

  sim::Simulator& simulator_;
  const RunClock& clock_;
  models::LinkSpec spec_;
  Executor& executor_;
  TierStore& from_;
  TierStore& to_;
  const ExpertCatalog& catalog_;
  std::vector<Pending> pending_;
  std::vector<uint32_t> free_;
  uint64_t in_flight_ = 0;
  models::LinkStats stats_;
  std::vector<std::pair<sim::Time, sim::Time>> intervals_;  // executor busy with this link
  std::vector<uint64_t> last_write_;  // per expert index: transfer number + 1 (0: none)
};

}  // namespace tiersim::real
