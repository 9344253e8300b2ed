#pragma once
// A hardware profile: named link models (what one PCIe direction, NVMe drive or object
// store can do), kept apart from topologies so that one machine's figures, nominal or
// calibrated, serve many configs. File format (configs/hardware/*.json):
//   {"name": "...", "description": "...", "source": "nominal | calibrated ...",
//    "links": {"pcie5_h2d": {"bandwidth": "52 GB/s", "latency": "2 us",
//                            "per_io_overhead": "8 us", "channels": 2, "sharing": "shared",
//                            "wake": {"after": "200 us", "latency": "80 us"}}}}
// An optional "cpu": {"flops": 2e12, "memory_bandwidth": "200 GB/s"} describes the host CPU
// (the rate an offloaded optimizer's update runs at).
// A config names its profile at the top ("hardware": "configs/hardware/x.json"), and a
// link takes a model with "profile": "pcie5_h2d"; keys given on the link override it.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/links/link_parameters.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct HostCpu {
  double flops = 0;        // FLOP/s
  double memory_Bps = 0;   // bytes per second
};

class HardwareProfile {
 public:
  // Reads and checks a profile file; errors name the file and the JSON path.
  static HardwareProfile load(const std::string& path);

  const LinkParameters* find(const std::string& name) const;
  std::string names() const;
  const std::string& path() const { return path_; }
  const std::optional<HostCpu>& cpu() const { return cpu_; }

 private:
  std::string path_;
  std::optional<HostCpu> cpu_;
  std::map<std::string, LinkParameters> links_;
};

}  // namespace tiersim::models
