#include "real_backend/real_link.h"

#include <algorithm>

#include "sim/errors.h"
#include "real_backend/expert_catalog.h"
#include "real_backend/tier_store.h"
#include "sim/engine/simulator.h"

namespace tiersim::real {

RealLink::RealLink(sim::Simulator& simulator, const RunClock& clock, models::LinkSpec spec, Executor& executor, TierStore& from,
                   TierStore& to, const ExpertCatalog& catalog)
    : simulator_(simulator), clock_(clock), spec_(std::move(spec)), executor_(executor), from_(from), to_(to), catalog_(catalog),
      last_write_(catalog.size(), 0) {}

void RealLink::submit(const models::TransferRequest& request, models::TransferDone done, models::Priority priority) {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(pending_.size());
    pending_.emplace_back();
  }
  const uint32_t index = catalog_.index(request.key);
  pending_[id] = Pending{done, request.key, request.offset, request.bytes, stats_.operations, std::chrono::steady_clock::now()};
  last_write_[index] = stats_.operations + 1;
  stats_.bytes += request.bytes;
  ++stats_.operations;
  ++in_flight_;
  Copy copy;
  copy.from = from_.locate(index, request.offset);
  copy.to = to_.locate(index, request.offset);
  copy.bytes = request.bytes;
  copy.background = priority == models::Priority::kBackground;
  copy.owner = this;
  copy.id = id;
  executor_.submit(copy);
}

void RealLink::complete(const Completion& completion) {
  const uint32_t id = static_cast<uint32_t>(completion.id);
  const Pending p = pending_[id];
  free_.push_back(id);
  --in_flight_;
  if (!completion.error.empty()) {
    throw RunFailure("link \"" + spec_.name + "\" (" + executor_.describe() + "): transfer #" + std::to_string(p.number) +
                             " of " + catalog_.describe(p.key) + " (" + std::to_string(p.bytes) + " bytes at offset " +
                             std::to_string(p.offset) + ") from " + from_.where(catalog_.index(p.key)) + " to " +
                             to_.where(catalog_.index(p.key)) + " failed: " + completion.error +
                             (completion.error.rfind("short", 0) == 0 ? " (was the file truncated or deleted during the run?)" : ""));
  }
  const sim::Time started = clock_.to_time(completion.started);
  const sim::Time finished = clock_.to_time(completion.finished);
  stats_.service_time += finished - started;
  stats_.latency.record(static_cast<uint64_t>(std::max<sim::Time>(0, finished - clock_.to_time(p.submitted))));
  intervals_.emplace_back(started, finished);
  if (p.done.fn) simulator_.schedule_at(std::max(simulator_.now(), finished), p.done.fn, p.done.context, p.done.argument);
}

models::LinkStats RealLink::stats() const {
  models::LinkStats s = stats_;
  std::vector<std::pair<sim::Time, sim::Time>> spans = intervals_;
  std::sort(spans.begin(), spans.end());
  sim::Time covered_to = 0;
  for (const auto& [begin, end] : spans) {
    const sim::Time from = std::max(begin, covered_to);
    if (end > from) s.busy_time += end - from;
    covered_to = std::max(covered_to, end);
  }
  s.in_flight_time = s.busy_time;  // a real copy's service and latency are one span
  return s;
}

std::string RealLink::last_write(uint32_t index) const {
  if (last_write_[index] == 0) return "";
  return "transfer #" + std::to_string(last_write_[index] - 1) + " over link \"" + spec_.name + "\" (" + executor_.describe() + ")";
}

}  // namespace tiersim::real
