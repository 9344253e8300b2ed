#pragma once
// How steady the machine was while a run's hardware profile was calibrated: each
// calibrated link's round spread (calibration.fit.LINK.round_spread), for the real run's
// header and for a warning when a link the run uses was measured while the machine's speed
// moved. A profile written by hand, or one without rounds, has none.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace tiersim::real {

// Rounds further apart than this: the machine's speed moved while the link was measured.
inline constexpr double kUnsteady = 0.10;

struct ProfileSteadiness {
  std::string path;   // the profile file; empty when the config names none
  std::string when;   // "calibrated 2026-11-23 on host", or empty
  std::vector<std::pair<std::string, double>> round_spread;  // by profile link name
  std::vector<std::string> unsteady;  // links the run uses whose rounds lay further apart than kUnsteady

  // "host_copy 2.1 %, nvme_read 14.0 % (unsteady)", or empty without round spreads.
  std::string describe() const;
  // What to tell the user when links the run uses are unsteady ("the profile's nvme_read
  // and host_copy were calibrated while..."), or empty when none is.
  std::string unsteady_note() const;
};

// Reads the profile `config` names ("hardware", read from `profile_path`) after the config
// has been checked, so the file is known to parse. Only its calibration record is read,
// and a record that is missing or not what calibrate writes is left out rather than
// failed on.
ProfileSteadiness read_profile_steadiness(const nlohmann::json& config, const std::string& profile_path);

}  // namespace tiersim::real
