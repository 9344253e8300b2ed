#pragma once
// Where a workload's input comes from: "trace", a file ("path" or {"path": ..., "format":
// ...}), or "generator", a synthetic one; exactly one of them. Checked here once for every
// workload: both or neither given, an unreadable file.
#include <optional>
#include <string>

#include "sim/config/config_node.h"

namespace tiersim {

struct TraceSource {
  std::string path;                     // empty when generated; relative ones from the config's folder
  std::optional<ConfigNode> format;     // the trace's "format", for the workload to read
  std::optional<ConfigNode> generator;  // the "generator" block
};

// `missing` says what the workload expected when neither key is given.
TraceSource read_trace_source(const ConfigNode& workload, const std::string& missing);

}  // namespace tiersim
