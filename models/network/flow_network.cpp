#include "models/network/flow_network.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/network/max_min_share.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

FlowNetwork::FlowNetwork(sim::Simulator& simulator, const Fabric& fabric)
    : simulator_(simulator), fabric_(fabric), carried_(fabric.links().size(), 0.0) {}

void FlowNetwork::start(const FabricPath& path, uint64_t bytes, TransferDone done) {
  ++started_;
  const uint32_t f = flows_.acquire();
  flows_[f] = Flow{path.links, static_cast<double>(bytes), 0, path.latency, done};
  if (path.links.empty() || bytes == 0) {  // nothing crosses the fabric
    simulator_.schedule_after(path.latency, &on_arrived, this, f);
    return;
  }
  advance();
  active_.push_back(f);
  reshare();
}

void FlowNetwork::advance() {
  const sim::Time now = simulator_.now();
  const double seconds = sim::to_seconds(now - updated_);
  updated_ = now;
  if (seconds <= 0) return;
  for (uint32_t f : active_) {
    Flow& flow = flows_[f];
    const double sent = std::min(flow.remaining, flow.rate * seconds);
    flow.remaining -= sent;
    for (uint32_t l : flow.links) carried_[l] += sent;
  }
}

void FlowNetwork::reshare() {
  std::vector<SharedFlow> shared;
  shared.reserve(active_.size());
  for (uint32_t f : active_) shared.push_back(SharedFlow{flows_[f].links, 0});
  std::vector<double> capacity;
  capacity.reserve(fabric_.links().size());
  for (const FabricLink& l : fabric_.links()) capacity.push_back(l.capacity_Bps);
  const std::vector<double> rates = max_min_rates(shared, capacity);
  double soonest = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < active_.size(); ++i) {
    Flow& flow = flows_[active_[i]];
    flow.rate = rates[i];
    if (flow.rate > 0) soonest = std::min(soonest, flow.remaining / flow.rate);
  }
  if (scheduled_) simulator_.cancel(next_end_);
  scheduled_ = false;
  if (std::isfinite(soonest)) {
    // Rounded up to the clock's picosecond, so that the flow has finished when the event runs.
    const sim::Time after = static_cast<sim::Time>(std::ceil(soonest * 1e12));
    next_end_ = simulator_.schedule_after(after, &on_next_end, this);
    scheduled_ = true;
  }
}

void FlowNetwork::on_next_end(void* self, uint64_t) {
  auto& net = *static_cast<FlowNetwork*>(self);
  net.scheduled_ = false;
  net.advance();
  size_t kept = 0;
  for (uint32_t f : net.active_) {
    Flow& flow = net.flows_[f];
    if (flow.remaining <= std::max(1e-6, flow.rate * 1e-12)) {  // sent (to the clock's resolution)
      for (uint32_t l : flow.links) net.carried_[l] += flow.remaining;
      flow.remaining = 0;
      net.simulator_.schedule_after(flow.latency, &on_arrived, self, f);
    } else {
      net.active_[kept++] = f;
    }
  }
  net.active_.resize(kept);
  net.reshare();
}

void FlowNetwork::on_arrived(void* self, uint64_t f) {
  auto& net = *static_cast<FlowNetwork*>(self);
  const TransferDone done = net.flows_[static_cast<uint32_t>(f)].done;
  net.flows_.release(static_cast<uint32_t>(f));
  if (done.fn) done.fn(done.context, done.argument);
}

std::vector<double> FlowNetwork::link_bytes() const { return carried_; }

}  // namespace tiersim::models
