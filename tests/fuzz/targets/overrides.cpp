// A --set assignment (the input's first line) applied to a config (the rest), then the
// config checked as `tiersim run --set` does.
#include <nlohmann/json.hpp>

#include "fuzz_target.h"
#include "run/run_config.h"
#include "sim/config/load_config.h"
#include "sim/config/overrides.h"

namespace tiersim::fuzz {
namespace {

void parse_config_with_override(const uint8_t* data, size_t size) {
  const std::string text = text_of(data, size);
  const size_t newline = text.find('\n');
  nlohmann::json config = parse_json_text(newline == std::string::npos ? "{}" : text.substr(newline + 1), "input.json");
  apply_override(config, text.substr(0, newline));
  (void)parse_run_config(config, "input.json", config_mirror());
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(overrides, "overrides", "a --set assignment applied to a config", parse_config_with_override);

}  // namespace tiersim::fuzz
