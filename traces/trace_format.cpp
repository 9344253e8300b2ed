#include "traces/trace_format.h"

#include "sim/engine/progress.h"
#include "sim/errors.h"
#include "traces/file_reader.h"

namespace tiersim::traces {

namespace {

Format find_format(const std::string& name) {
  if (Format f = TraceFormatRegistry::find(name)) return f;
  for (Format f : TraceFormatRegistry::all())
    for (const std::string& alias : f->aliases)
      if (alias == name) return f;
  return nullptr;
}

std::string valid_names() { return TraceFormatRegistry::names() + ", auto"; }

}  // namespace

std::optional<Format> parse_format(const std::string& name) {
  if (name.empty() || name == "auto") return std::nullopt;
  return format_named(name);
}

Format format_named(const std::string& name) {
  if (Format f = find_format(name)) return f;
  throw InputError("unknown trace format \"" + name + "\"; expected one of: " + valid_names());
}

const char* format_name(Format format) { return format->name.c_str(); }

Format detect_format(const std::string& path) {
  std::string head;
  {
    FileReader file(path);
    char bytes[64] = {};
    head.assign(bytes, file.read_fully(bytes, sizeof bytes));
  }
  Format best = nullptr;
  Recognition best_by = Recognition::kNo;
  for (Format f : TraceFormatRegistry::all()) {  // by name, so ties go the same way every time
    const Recognition by = f->recognize(path, head);
    if (by > best_by) {
      best = f;
      best_by = by;
    }
  }
  if (!best) {
    throw InputError(path + ": cannot tell the trace format from the name; give it (" + TraceFormatRegistry::names() + ")");
  }
  return best;
}

namespace {

// Refuses a trace that ends before its first access, whatever its format: a replay or a
// count of nothing would otherwise write a results file of zeros.
class NonEmptyTrace final : public TraceWrapper {
 public:
  explicit NonEmptyTrace(std::unique_ptr<TraceReader> inner) : TraceWrapper(std::move(inner)) {}

  size_t read(Access* out, size_t capacity) override {
    sim::progress::check_stop();
    inner_->require_ordered_steps(require_ordered_steps_);
    const size_t n = inner_->read(out, capacity);
    read_ += n;
    // Cache and MRC replays count accesses; a replay that reports steps keeps its meter.
    const char* unit = sim::progress::meter().unit.load(std::memory_order_relaxed);
    if (!unit || unit == kUnit) sim::progress::report(kUnit, read_, 0);
    if (n == 0 && !seen_any_ && capacity > 0) {
      throw InputError(inner_->source() + ": the trace holds no accesses (an empty file, or a header alone)");
    }
    seen_any_ = seen_any_ || n > 0;
    return n;
  }

 private:
  static constexpr const char* kUnit = "accesses";
  bool seen_any_ = false;
  uint64_t read_ = 0;
};

}  // namespace

std::unique_ptr<TraceReader> open_trace(const std::string& path, std::optional<Format> format) {
  return std::make_unique<NonEmptyTrace>((format ? *format : detect_format(path))->open(path));
}

std::unique_ptr<TraceWriter> create_trace_writer(const std::string& path, Format format, uint32_t object_size_bytes) {
  if (!format->create) throw InputError(path + ": tiersim reads " + format->name + " traces but does not write them");
  return format->create(path, object_size_bytes);
}

bool path_ends_with(const std::string& path, std::string_view suffix) {
  return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool path_contains(const std::string& path, std::string_view part) { return path.find(part) != std::string::npos; }

}  // namespace tiersim::traces
