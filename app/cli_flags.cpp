#include "app/cli_flags.h"

#include "app/prototype_config.h"
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

void add_prototype_link_flags(CLI::App& app, PrototypeLinks& links) {
  app.add_option(prototype_flag("sim_h2d_gbps"), links.h2d_gbps, "host-to-device GB/s")->capture_default_str();
  app.add_option(prototype_flag("sim_d2h_gbps"), links.d2h_gbps, "device-to-host GB/s")->capture_default_str();
  app.add_option(prototype_flag("sim_disk_read_gbps"), links.disk_read_gbps, "disk read GB/s")->capture_default_str();
  app.add_option(prototype_flag("sim_disk_write_gbps"), links.disk_write_gbps, "disk write GB/s")->capture_default_str();
  app.add_option(prototype_flag("sim_extra_ms_per_io"), links.extra_ms_per_io, "extra ms per disk read/write")->capture_default_str();
}

std::string format_help(bool writable_only, const std::string& extra) {
  std::string names;
  for (const traces::TraceFormatEntry* e : traces::TraceFormatRegistry::all())
    if (!writable_only || e->create) names += (names.empty() ? "" : ", ") + e->name;
  return "trace format: " + names + extra;
}

}  // namespace tiersim
