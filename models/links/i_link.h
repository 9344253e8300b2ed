#pragma once
// The transfer interface every link implements: the simulated model (models/links/link.h)
// and the real executors (real_backend/real_link.h). Workloads submit transfers and are
// called back when they are delivered; they never know which kind of link moves them.
#include <cstdint>
#include <string>

#include "sim/engine/simulator.h"
#include "sim/stats/log_histogram.h"

namespace tiersim::models {

enum class Sharing { kFifo, kShared };
enum class Priority { kDemand, kBackground };

struct LinkSpec {
  std::string name;
  std::string model = "queueing";  // the registered link model that carries it out
  uint32_t from_tier = 0;
  uint32_t to_tier = 0;
  uint64_t bandwidth_Bps = 1;
  sim::Time latency = 0;
  sim::Time per_io_overhead = 0;
  uint32_t channels = 1;
  Sharing sharing = Sharing::kFifo;
  // Transfers under `small_below` bytes follow their own line (a calibrated piecewise
  // fit): small_per_io_overhead + B / small_bandwidth, delivered after small_latency.
  uint64_t small_below = 0;
  uint64_t small_bandwidth_Bps = 1;
  sim::Time small_latency = 0;
  sim::Time small_per_io_overhead = 0;
  // A link idle for at least `wake_after` takes `wake_latency` longer for the transfer that
  // ends the idle spell (a drive leaving a power state, a virtual disk's host thread
  // rescheduled, a sleeping copy thread woken); 0: never.
  sim::Time wake_after = 0;
  sim::Time wake_latency = 0;

  bool is_small(uint64_t bytes) const { return bytes < small_below; }
  // Time a transfer occupies the link when alone on it.
  sim::Time service_time(uint64_t bytes) const {
    return is_small(bytes) ? sim::saturating_add(small_per_io_overhead, sim::transfer_time(bytes, small_bandwidth_Bps))
                           : sim::saturating_add(per_io_overhead, sim::transfer_time(bytes, bandwidth_Bps));
  }
  sim::Time delivery_latency(uint64_t bytes) const { return is_small(bytes) ? small_latency : latency; }
};

// Called when a transfer has been delivered.
struct TransferDone {
  sim::EventFn fn = nullptr;
  void* context = nullptr;
  uint64_t argument = 0;
};

struct LinkStats {
  uint64_t bytes = 0;
  uint64_t operations = 0;
  sim::Time busy_time = 0;     // time with at least one transfer in service
  // Time with at least one transfer between the start of its service and its delivery:
  // busy time plus the delivery latencies that no service overlapped. It is what a real
  // link can be seen to be busy (a real transfer's latency and service are one span).
  sim::Time in_flight_time = 0;
  sim::Time service_time = 0;  // summed per-transfer service (fifo) or residence (shared)
  uint64_t max_queued = 0;
  sim::LogHistogram latency;   // picoseconds, submission to delivery
};

// A link's running totals without its latency histogram: cheap to take at any moment (a
// workload that reports links over the window it served requests in takes them then).
struct LinkTotals {
  uint64_t bytes = 0;
  uint64_t operations = 0;
  sim::Time busy_time = 0;
  sim::Time in_flight_time = 0;
  sim::Time service_time = 0;
  uint64_t delivered_bytes = 0;  // of `bytes` (counted when submitted), those delivered so far
};

// What one transfer moves: `bytes` of object `key` starting at byte `offset` of it (a
// chunk of a larger move). The simulated links use only the size; real links use the
// rest to find the source and destination bytes.
struct TransferRequest {
  uint64_t bytes = 0;
  uint64_t key = 0;
  uint64_t offset = 0;
};

class ILink {
 public:
  virtual ~ILink() = default;
  virtual void submit(const TransferRequest& request, TransferDone done, Priority priority = Priority::kDemand) = 0;
  virtual const LinkSpec& spec() const = 0;
  // Statistics so far; busy time includes the current busy period up to now.
  virtual LinkStats stats() const = 0;
  // stats() without the histogram, up to now.
  virtual LinkTotals totals() const {
    const LinkStats s = stats();
    return {s.bytes, s.operations, s.busy_time, s.in_flight_time, s.service_time, s.bytes};
  }
  // The bytes that cross the link for a transfer of `bytes` (fewer into or out of a
  // compressed tier).
  virtual uint64_t bytes_on_wire(uint64_t bytes) const { return bytes; }
};

}  // namespace tiersim::models
