#pragma once
// The one table of link parameters: the keys a link may have wherever one is written (a
// config's link, a hardware profile's entry, a KV handover) and how each is read, applied
// to a LinkSpec and written back (calibrate writes profiles with it).
//   bandwidth        "25 GB/s"                     per_io_overhead  "8 us" (occupies the link)
//   latency          "2 us" (does not occupy it)   channels         parallel transfers (1)
//   sharing          "fifo" | "shared"             model            a registered link model ("queueing")
//   small_transfers  {"below": "64 KiB", "bandwidth", "latency", "per_io_overhead"}: a second line below a size
//   wake             {"after": "200 us", "latency": "80 us"}: extra time after an idle spell
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/links/i_link.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

// Link parameters, each possibly unset.
struct LinkParameters {
  std::optional<std::string> model;
  std::optional<uint64_t> bandwidth_Bps;
  std::optional<sim::Time> latency;
  std::optional<sim::Time> per_io_overhead;
  std::optional<uint32_t> channels;
  std::optional<Sharing> sharing;
  std::optional<uint64_t> small_below;
  std::optional<uint64_t> small_bandwidth_Bps;
  std::optional<sim::Time> small_latency;
  std::optional<sim::Time> small_per_io_overhead;
  std::optional<sim::Time> wake_after;
  std::optional<sim::Time> wake_latency;
};

// The table's keys, with the `extra` keys of the place they are written in.
std::vector<std::string_view> link_parameter_keys(std::initializer_list<std::string_view> extra = {});

// Reads whichever of the table's keys `node` has into `parameters` (overriding what it
// held); a model must be registered.
void read_link_parameters(const ConfigNode& node, LinkParameters& parameters);

// Copies the parameters into a link spec (unset ones take their defaults).
void apply_link_parameters(const LinkParameters& parameters, LinkSpec& link);

// The set parameters as a profile entry, in the table's order, with units
// ("1234.5 MB/s", "3.250 us"). Keys outside `keep` (when given) are left out.
nlohmann::ordered_json link_parameters_json(const LinkParameters& parameters, const std::vector<std::string>* keep = nullptr);

}  // namespace tiersim::models
