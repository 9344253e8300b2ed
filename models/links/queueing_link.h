#pragma once
// A link (or device) that moves bytes: PCIe between DRAM and HBM, an NVMe drive, a network
// path to object storage. A transfer of B bytes costs
//     per_io_overhead + B / bandwidth   (service: occupies the link)
//   + latency                           (propagation: does not)
// Sharing disciplines:
//   fifo   - `channels` independent servers (copy engines, NVMe queue slots), each moving
//            one transfer at a time at `bandwidth`; others wait in arrival order.
//            A multi-server FIFO queue (M/G/c in queueing terms).
//   shared - up to `channels` transfers active at once split `bandwidth` equally
//            (processor sharing); the per-I/O overhead is work at the link's rate.
//            Alone, a transfer costs exactly what it costs under fifo.
// Wake-up: a transfer that finds the link idle for at least `wake_after` (nothing in
// service) occupies it `wake_latency` longer (under shared, as that much extra work).
// Background transfers (prefetches, write-backs) use idle capacity only: a free channel
// always takes demand first, and on a shared link a background transfer starts only while
// no demand transfer is in service (one already in service is not interrupted), so it never
// takes a share of the bandwidth from demand that was there first. On a fifo link a demand
// transfer that finds every channel busy preempts the background transfer in service that
// started last: it goes back to the head of the background queue with the bytes it had
// left, and pays the per-I/O overhead again when it resumes (a new request).
// Every link reports bytes, operations, busy time, summed service time and a histogram
// of transfer latency (submission to delivery, queueing included).
#include <cstdint>
#include <deque>
#include <vector>

#include "models/links/i_link.h"
#include "sim/containers/index_pool.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

class QueueingLink final : public ILink {
 public:
  QueueingLink(sim::Simulator& simulator, LinkSpec spec);
  QueueingLink(const QueueingLink&) = delete;
  QueueingLink& operator=(const QueueingLink&) = delete;

  void submit(const TransferRequest& request, TransferDone done, Priority priority = Priority::kDemand) override;
  void submit(uint64_t bytes, TransferDone done, Priority priority = Priority::kDemand) {
    submit(TransferRequest{bytes}, done, priority);
  }

  const LinkSpec& spec() const override { return spec_; }
  LinkStats stats() const override;
  LinkTotals totals() const override;
  uint32_t active() const { return active_; }
  size_t queued() const { return waiting_.size() + background_.size(); }

 private:
  struct Transfer {
    uint64_t bytes;
    TransferDone done;
    sim::Time submitted;
    sim::Time started;
    unsigned __int128 finish_tag;  // shared: virtual work at which it completes
    bool background;
    uint64_t left = 0;    // fifo: bytes still to serve (less than `bytes` after a preemption)
    uint32_t epoch = 0;   // fifo: service starts so far; an end event of an earlier one is stale
  };

  uint32_t allocate(uint64_t bytes, TransferDone done, bool background);
  // Whether a waiting transfer may take a free channel now, and the next one to (demand first).
  bool can_start_next() const;
  uint32_t next_waiting();
  void start(uint32_t id);
  // fifo: a demand transfer takes the channel of the background transfer in service that
  // started last; false when no background transfer is in service.
  bool preempt_background();
  void finish_service(uint32_t id);
  void deliver(uint32_t id);
  void complete(uint32_t id);
  void mark_active(int delta);
  sim::Time wake_cost() const;  // for a transfer starting now

  // Processor sharing.
  void advance_virtual_time();
  void plan_next_completion();
  static void on_service_end(void* self, uint64_t id);
  static void on_delivered(void* self, uint64_t id);
  static void on_shared_completion(void* self, uint64_t generation);

  sim::Simulator& simulator_;
  LinkSpec spec_;
  LinkStats stats_;
  uint64_t delivered_bytes_ = 0;
  sim::IndexPool<Transfer> transfers_;
  std::deque<uint32_t> waiting_;     // demand
  std::deque<uint32_t> background_;  // served when no demand waits
  uint32_t active_ = 0;
  uint32_t active_demand_ = 0;  // of active_
  sim::Time busy_since_ = 0;
  uint32_t in_flight_ = 0;  // started, not yet delivered
  sim::Time in_flight_since_ = 0;
  sim::Time idle_since_;  // when the last transfer left service

  // shared: virtual work served to each active transfer, in bytes * 10^12.
  unsigned __int128 virtual_work_ = 0;
  sim::Time virtual_updated_ = 0;
  std::vector<uint32_t> active_heap_;  // min-heap on (finish_tag, id)
  uint64_t generation_ = 0;
  std::vector<uint32_t> finished_scratch_;
  std::vector<uint32_t> background_in_service_;  // fifo, in start order
};

}  // namespace tiersim::models
