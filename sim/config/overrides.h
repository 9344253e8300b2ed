#pragma once
// Command-line overrides of config values: `--set json.path=value`.
// Paths use '.' between keys and either ".N" or "[N]" for array elements; an array of
// named objects (tiers, links) also accepts the element's name: tiers.hbm.capacity=32.
// The value is read as JSON when it parses (32, true, "x", {"a":1}), else as a string
// ("12 GB/s"), so units need no extra quoting.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace tiersim {

// Applies one "path=value" override to `config`; throws InputError naming the override.
void apply_override(nlohmann::json& config, std::string_view assignment);

// The value an override string stands for (see above).
nlohmann::json parse_override_value(std::string_view text);

}  // namespace tiersim
