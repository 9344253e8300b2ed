#pragma once
// A hardware profile: named link models (what one PCIe direction, NVMe drive or object
// store can do), kept apart from topologies so that one machine's figures, nominal or
// calibrated, serve many configs. File format (configs/hardware/*.json):
//   {"name": "...", "description": "...", "source": "nominal | calibrated ...",
//    "links": {"pcie5_h2d": {"bandwidth": "52 GB/s", "latency": "2 us",
//                            "per_io_overhead": "8 us", "channels": 2, "sharing": "shared",
//                            "wake": {"after": "200 us", "latency": "80 us"}}}}
// A config names its profile at the top ("hardware": "configs/hardware/x.json"), and a
// link takes a model with "profile": "pcie5_h2d"; keys given on the link override it.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/links/link.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

// Link parameters, each possibly unset.
struct LinkModel {
  std::optional<uint64_t> bandwidth_Bps;
  std::optional<sim::Time> latency;
  std::optional<sim::Time> per_io_overhead;
  std::optional<uint32_t> channels;
  std::optional<Sharing> sharing;
  // "small_transfers": {"below": "64 KiB", "bandwidth": ..., "latency": ..., "per_io_overhead": ...}
  std::optional<uint64_t> small_below;
  std::optional<uint64_t> small_bandwidth_Bps;
  std::optional<sim::Time> small_latency;
  std::optional<sim::Time> small_per_io_overhead;
  // "wake": {"after": "200 us", "latency": "80 us"}
  std::optional<sim::Time> wake_after;
  std::optional<sim::Time> wake_latency;
};

// The keys a link model may have wherever one is written (profile, config link, KV
// handover), with the `extra` keys of that place.
std::vector<std::string_view> link_model_keys(std::initializer_list<std::string_view> extra = {});

// Copies a model's parameters into a link spec (unset ones keep their defaults).
void apply_link_model(const LinkModel& model, LinkSpec& link);

// Reads whichever link-parameter keys `node` has into `model` (overriding what it held).
void read_link_parameters(const ConfigNode& node, LinkModel& model);

class HardwareProfile {
 public:
  // Reads and checks a profile file; errors name the file and the JSON path.
  static HardwareProfile load(const std::string& path);

  const LinkModel* find(const std::string& name) const;
  std::string names() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, LinkModel> links_;
};

}  // namespace tiersim::models
