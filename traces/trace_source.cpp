#include "traces/trace_source.h"

namespace tiersim {

TraceSource read_trace_source(const ConfigNode& workload, const std::string& missing) {
  const bool has_trace = workload.has("trace"), has_generator = workload.has("generator");
  if (has_trace == has_generator) workload.fail(has_trace ? "give either \"trace\" or \"generator\", not both" : missing);
  TraceSource source;
  if (has_generator) {
    source.generator = workload.at("generator");
    return source;
  }
  const ConfigNode trace = workload.at("trace");
  std::optional<ConfigNode> path = trace;
  if (trace.is_object()) {
    trace.allow_only({"path", "format"});
    path = trace.at("path");
    source.format = trace.find("format");
  }
  source.path = path->as_path("trace file");
  return source;
}

}  // namespace tiersim
