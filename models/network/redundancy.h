#pragma once
// Redundancy for the KV store's tier 2 (the KVSS design's stage 12): r replicas, or erasure
// coding k + m (k data fragments of ceil(bytes / k), m parity fragments; any k rebuild the
// object). Pieces sit on distinct nodes, chosen by the object's key around the ring of
// nodes. This is the arithmetic of it: space and write amplification, what a read needs
// after failures (degraded when a replica or a data fragment is lost), and what a rebuild
// moves (reading a surviving replica, or k fragments once per object, and writing the
// lost pieces).
#include <cstdint>
#include <vector>

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct RedundancySpec {
  uint32_t replicas = 1;  // with k = 0
  uint32_t k = 0, m = 0;  // erasure coding when k > 0
  bool erasure() const { return k > 0; }
  uint32_t pieces() const { return erasure() ? k + m : replicas; }
  uint32_t needed() const { return erasure() ? k : 1; }  // pieces a read must reach
};

// {"replicas": r} or {"erasure": {"k": ..., "m": ...}}; more pieces than `nodes` (k + m
// larger than the nodes) is an InputError naming the key.
RedundancySpec parse_redundancy(const ConfigNode& node, uint32_t nodes);

struct ReadPlan {
  bool readable = false;
  bool degraded = false;            // a replica other than the first, or parity in place of data
  std::vector<uint32_t> from;       // the nodes read, `needed` of them
  uint64_t bytes = 0;               // read from them in all
};

struct RebuildTraffic {
  uint64_t read_bytes = 0, written_bytes = 0;
  uint32_t lost_pieces = 0;
};

class Redundancy {
 public:
  Redundancy(RedundancySpec spec, uint32_t nodes) : spec_(spec), nodes_(nodes) {}
  const RedundancySpec& spec() const { return spec_; }

  uint64_t piece_bytes(uint64_t bytes) const { return spec_.erasure() ? (bytes + spec_.k - 1) / spec_.k : bytes; }
  uint64_t stored_bytes(uint64_t bytes) const { return piece_bytes(bytes) * spec_.pieces(); }
  double write_amplification(uint64_t bytes) const { return bytes ? double(stored_bytes(bytes)) / double(bytes) : 0.0; }

  // The nodes holding `key`'s pieces, in piece order (erasure: data fragments first).
  std::vector<uint32_t> placement(uint64_t key) const;
  // What reading `bytes` of `key` takes with the nodes `alive` says are up.
  ReadPlan read(uint64_t key, uint64_t bytes, const std::vector<bool>& alive) const;
  // What restoring `key`'s lost pieces onto other live nodes moves (nothing when it cannot
  // be read any more, or lost nothing).
  RebuildTraffic rebuild(uint64_t key, uint64_t bytes, const std::vector<bool>& alive) const;

 private:
  RedundancySpec spec_;
  uint32_t nodes_;
};

}  // namespace tiersim::models
