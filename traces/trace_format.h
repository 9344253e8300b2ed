#pragma once
// Trace file formats and opening a trace by format (or by detecting it).
#include <memory>
#include <optional>
#include <string>

#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

namespace tiersim::traces {

enum class Format { kCsv, kBin, kOracleGeneral };

// "csv", "bin", "oracleGeneral" (also "oracle_general"); "auto" or "" detect.
// Throws InputError listing the valid names.
std::optional<Format> parse_format(const std::string& name);
const char* format_name(Format format);

// Detects a file's format: the TSIMEXP1 header means bin; a file starting with the CSV
// header, or named *.csv, is CSV;
// names containing "oracleGeneral" are oracleGeneral. Otherwise an InputError asks for
// --format.
Format detect_format(const std::string& path);

std::unique_ptr<TraceReader> open_trace(const std::string& path, std::optional<Format> format);

// `object_size_bytes` fills oracleGeneral's size field.
std::unique_ptr<TraceWriter> create_trace_writer(const std::string& path, Format format, uint32_t object_size_bytes);

}  // namespace tiersim::traces
