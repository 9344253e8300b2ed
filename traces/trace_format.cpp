#include "traces/trace_format.h"

#include <cstring>
#include <optional>

#include "sim/errors.h"
#include "traces/formats/bin_trace.h"
#include "traces/formats/csv_trace.h"
#include "traces/formats/oracle_general_trace.h"

namespace tiersim::traces {

std::optional<Format> parse_format(const std::string& name) {
  if (name.empty() || name == "auto") return std::nullopt;
  if (name == "csv") return Format::kCsv;
  if (name == "bin") return Format::kBin;
  if (name == "oracleGeneral" || name == "oracle_general" || name == "oraclegeneral") return Format::kOracleGeneral;
  throw InputError("unknown trace format \"" + name + "\"; expected one of: csv, bin, oracleGeneral, auto");
}

const char* format_name(Format format) {
  switch (format) {
    case Format::kCsv: return "csv";
    case Format::kBin: return "bin";
    case Format::kOracleGeneral: return "oracleGeneral";
  }
  return "?";
}

Format detect_format(const std::string& path) {
  {
    FileReader file(path);
    char head[64] = {};
    const size_t n = file.read_fully(head, sizeof head);
    if (n >= 8 && std::memcmp(head, kBinTraceMagic, 8) == 0) return Format::kBin;
    // A CSV expert trace starts with its header (possibly after comment lines, which the
    // extension rule below still catches).
    const std::string start(head, n);
    if (start.rfind("step,layer,expert", 0) == 0) return Format::kCsv;
  }
  auto ends_with = [&](const char* suffix) {
    const size_t n = std::strlen(suffix);
    return path.size() >= n && path.compare(path.size() - n, n, suffix) == 0;
  };
  if (ends_with(".csv")) return Format::kCsv;
  if (path.find("oracleGeneral") != std::string::npos || path.find("oracle_general") != std::string::npos) {
    return Format::kOracleGeneral;
  }
  throw InputError(path + ": cannot tell the trace format from the name; give it (csv, bin or oracleGeneral)");
}

std::unique_ptr<TraceReader> open_trace(const std::string& path, std::optional<Format> format) {
  const Format f = format ? *format : detect_format(path);
  switch (f) {
    case Format::kCsv: return std::make_unique<CsvTraceReader>(path);
    case Format::kBin: return std::make_unique<BinTraceReader>(path);
    case Format::kOracleGeneral: return std::make_unique<OracleGeneralReader>(path);
  }
  throw InputError(path + ": unsupported trace format");
}

std::unique_ptr<TraceWriter> create_trace_writer(const std::string& path, Format format, uint32_t object_size_bytes) {
  switch (format) {
    case Format::kCsv: return std::make_unique<CsvTraceWriter>(path);
    case Format::kBin: return std::make_unique<BinTraceWriter>(path);
    case Format::kOracleGeneral: return std::make_unique<OracleGeneralWriter>(path, object_size_bytes);
  }
  throw InputError(path + ": unsupported trace format");
}

}  // namespace tiersim::traces
