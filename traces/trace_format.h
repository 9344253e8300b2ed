#pragma once
// Trace file formats: each is a reader (and a writer where it can be written) that
// registers itself by name with TIERSIM_REGISTER_TRACE_FORMAT from its own file in
// traces/formats/, and says which files it recognizes. `tiersim list formats` prints them;
// "auto" (or no format) detects a file's format.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/containers/named_registry.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

namespace tiersim::traces {

// How sure a format is that a file is in it, from the file's first bytes and its name.
enum class Recognition { kNo, kByName, kByContent };

struct TraceFormatEntry {
  std::string name;
  std::string description;
  std::vector<std::string> aliases;  // other spellings accepted for the name
  std::unique_ptr<TraceReader> (*open)(const std::string& path);
  // Null for a format tiersim reads only. `object_size_bytes` fills a size field.
  std::unique_ptr<TraceWriter> (*create)(const std::string& path, uint32_t object_size_bytes);
  // `head`: up to the file's first 64 bytes.
  Recognition (*recognize)(const std::string& path, std::string_view head);
};

using TraceFormatRegistry = sim::NamedRegistry<TraceFormatEntry>;
using Format = const TraceFormatEntry*;

// A registered name or alias; "auto" or "" detect (nullopt). Throws InputError listing
// the valid names.
std::optional<Format> parse_format(const std::string& name);
const char* format_name(Format format);
// The format registered as `name` (a name or alias); throws InputError if none.
Format format_named(const std::string& name);

// Detects a file's format: content that a format recognizes (a magic number, a header)
// first, then a name (an extension); an InputError asks for the format when none does.
Format detect_format(const std::string& path);

std::unique_ptr<TraceReader> open_trace(const std::string& path, std::optional<Format> format);

// Throws InputError if the format cannot be written.
std::unique_ptr<TraceWriter> create_trace_writer(const std::string& path, Format format, uint32_t object_size_bytes);

// Helpers for recognize(): whether `path` ends with `suffix` / contains `part`.
bool path_ends_with(const std::string& path, std::string_view suffix);
bool path_contains(const std::string& path, std::string_view part);

}  // namespace tiersim::traces

#define TIERSIM_REGISTER_TRACE_FORMAT(id, ...)                                         \
  [[maybe_unused]] static const bool tiersim_trace_format_registered_##id =           \
      ::tiersim::traces::TraceFormatRegistry::add(::tiersim::traces::TraceFormatEntry{__VA_ARGS__})
