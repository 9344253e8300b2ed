// The units parser: the input as a byte size, a bandwidth and a duration.
#include "fuzz_target.h"
#include "sim/config/units.h"

namespace tiersim::fuzz {
namespace {

void parse_units(const uint8_t* data, size_t size) {
  const std::string text = text_of(data, size);
  try {
    (void)sim::units::format_bytes(sim::units::parse_bytes(text));
  } catch (const sim::units::UnitError&) {
  }
  try {
    (void)sim::units::parse_bandwidth_Bps(text);
  } catch (const sim::units::UnitError&) {
  }
  try {
    (void)sim::units::parse_duration(text);
  } catch (const sim::units::UnitError&) {
  }
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(units, "units", "byte sizes, bandwidths and durations with units", parse_units);

}  // namespace tiersim::fuzz
