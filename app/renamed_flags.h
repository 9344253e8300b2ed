// Flags whose spelling changed: tiersim's own flags are kebab-case (`--n-experts`), and
// `-o FILE` names a single output file. An old spelling is a usage error that names the new
// one, so scripts written against an earlier tiersim say what to change instead of failing
// on "unknown option". docs/renamed.md lists the same table.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tiersim {

struct RenamedFlag {
  std::string command;  // the subcommand path, e.g. "trace gen"
  std::string old_spelling;
  std::string new_spelling;
};

// Every renamed flag, with the sampler parameters' flags of `trace gen` read from the
// sampler registry (a new sampler's parameters are kebab-case from the start).
std::vector<RenamedFlag> renamed_flags();

// The usage error for the first old spelling on this command line, if there is one.
std::optional<std::string> renamed_flag_error(int argc, char** argv);

// "n_experts" -> "n-experts".
std::string kebab(std::string key);

}  // namespace tiersim
