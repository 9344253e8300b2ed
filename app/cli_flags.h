#pragma once
// Flag helpers the subcommands share: checks, the MoE prototype's flag spellings, help text.
#include <CLI/CLI.hpp>
#include <string>

namespace tiersim {

struct PrototypeLinks;

// A count flag's check: a whole number, 0 or more (a negative one would wrap around).
CLI::Validator count_flag();
// A prototype flag: kebab-case, with the MoE prototype's underscore spelling as an alias
// where the prototype has the flag.
std::string prototype_flag(const std::string& key);
// bench_cache's latency-model flags, --sim_h2d_gbps ... --sim_extra_ms_per_io, into `links`.
void add_prototype_link_flags(CLI::App& app, PrototypeLinks& links);
// The registered trace formats, for a --format flag's help.
std::string format_help(bool writable_only, const std::string& extra);

}  // namespace tiersim
