#pragma once
// Flows over a fabric (models/network/fabric.h), each sharing the links it crosses with the
// others max-min fairly (models/network/max_min_share.h). Rates are worked out again
// whenever a flow starts or ends; a flow's last byte arrives when its bytes have been sent
// at its changing rate, plus its path's latency. Reported per link: bytes carried.
#include <cstdint>
#include <vector>

#include "models/links/i_link.h"
#include "models/network/fabric.h"
#include "sim/containers/index_pool.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/time.h"

namespace sim {
class Simulator;
}

namespace tiersim::models {

class FlowNetwork {
 public:
  FlowNetwork(sim::Simulator& simulator, const Fabric& fabric);

  // Sends `bytes` along `path`; `done` fires when the last byte has arrived.
  void start(const FabricPath& path, uint64_t bytes, TransferDone done);

  // Bytes each link has carried (of flows finished or under way, up to now).
  std::vector<double> link_bytes() const;
  uint64_t flows_started() const { return started_; }
  uint64_t active_flows() const { return active_.size(); }

 private:
  struct Flow {
    std::vector<uint32_t> links;
    double remaining = 0, rate = 0;
    sim::Time latency = 0;
    TransferDone done;
  };
  static void on_next_end(void* self, uint64_t);
  static void on_arrived(void* self, uint64_t flow);
  void advance();  // the bytes sent since the last change
  void reshare();  // new rates, and the next flow to finish

  sim::Simulator& simulator_;
  const Fabric& fabric_;
  sim::IndexPool<Flow> flows_;
  std::vector<uint32_t> active_;  // flows sending
  std::vector<double> carried_;   // per link
  sim::Time updated_ = 0;
  sim::EventId next_end_ = 0;
  bool scheduled_ = false;
  uint64_t started_ = 0;
};

}  // namespace tiersim::models
