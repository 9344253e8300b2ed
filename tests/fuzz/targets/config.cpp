// A config file, parsed and checked as `tiersim run` does before simulating.
#include <nlohmann/json.hpp>

#include "fuzz_target.h"
#include "run/run_config.h"
#include "sim/config/load_config.h"

namespace tiersim::fuzz {
namespace {

void parse_config(const uint8_t* data, size_t size) {
  const nlohmann::json config = parse_json_text(text_of(data, size), "input.json");
  (void)parse_run_config(config, "input.json", config_mirror());
}

}  // namespace

TIERSIM_REGISTER_FUZZ_TARGET(config, "config", "a config file, parsed and checked", parse_config);

}  // namespace tiersim::fuzz
