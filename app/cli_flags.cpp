#include "app/cli_flags.h"

#include "app/renamed_flags.h"
#include "traces/trace_format.h"

namespace tiersim {

CLI::Validator count_flag() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
          return "expected a whole number, 0 or more, got \"" + text.substr(0, 40) + "\"";
        }
        return {};
      },
      "COUNT");
}

std::string prototype_flag(const std::string& key) {
  const std::string primary = "--" + kebab(key);
  return primary == "--" + key ? primary : primary + ",--" + key;
}

std::string format_help(bool writable_only, const std::string& extra) {
  std::string names;
  for (const traces::TraceFormatEntry* e : traces::TraceFormatRegistry::all())
    if (!writable_only || e->create) names += (names.empty() ? "" : ", ") + e->name;
  return "trace format: " + names + extra;
}

}  // namespace tiersim
