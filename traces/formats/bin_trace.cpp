#include "traces/formats/bin_trace.h"

#include "traces/trace_format.h"

#include <cstring>

#include "sim/errors.h"

namespace tiersim::traces {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "binary traces are read as little-endian words");

namespace {
constexpr size_t kChunkWords = 1 << 17;
constexpr uint64_t kStepFlag = uint64_t{1} << 63;
constexpr uint32_t kVersion = 1;
}  // namespace

BinTraceReader::BinTraceReader(const std::string& path) : file_(path), words_(kChunkWords) {
  char header[16];
  if (file_.read_fully(header, sizeof header) != sizeof header || std::memcmp(header, kBinTraceMagic, 8) != 0) {
    throw InputError(path + ": not a tiersim binary trace (missing the TSIMEXP1 header)");
  }
  uint32_t version;
  std::memcpy(&version, header + 8, 4);
  if (version != kVersion) throw InputError(path + ": binary trace version " + std::to_string(version) + " is not supported (expected 1)");
}

size_t BinTraceReader::read(Access* out, size_t capacity) {
  size_t count = 0;
  while (count < capacity) {
    if (position_ == filled_) {
      const size_t bytes = file_.read_fully(words_.data(), words_.size() * 8);
      if (bytes % 8 != 0) {
        throw InputError(file_.path() + ": truncated binary trace: word " + std::to_string(word_index_ + bytes / 8 + 1) +
                         " is cut short (not a whole number of 8-byte words after the header)");
      }
      filled_ = bytes / 8;
      position_ = 0;
      if (filled_ == 0) break;
    }
    const uint64_t word = words_[position_++];
    ++word_index_;
    if (word & kStepFlag) {
      const uint64_t step = word & ~kStepFlag;
      if (require_ordered_steps_ && have_step_ && step < step_) {
        throw InputError(file_.path() + ": word " + std::to_string(word_index_) + ": step " + std::to_string(step) +
                         " after step " + std::to_string(step_) + " (expected non-decreasing steps)");
      }
      step_ = step;
      have_step_ = true;
      continue;
    }
    if (!have_step_) throw InputError(file_.path() + ": word 1: expected a step marker before the first access");
    Access& a = out[count++];
    a.step = step_;
    a.object = word;
    a.size_bytes = 0;
    a.next_access = -1;
  }
  return count;
}

BinTraceWriter::BinTraceWriter(const std::string& path) : file_(path) {
  char header[16] = {};
  std::memcpy(header, kBinTraceMagic, 8);
  std::memcpy(header + 8, &kVersion, 4);
  file_.write(header, sizeof header);
  pending_.reserve(kChunkWords + 2);
}

void BinTraceWriter::write(const Access* accesses, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const Access& a = accesses[i];
    if (a.step >= kStepFlag) throw InputError("binary trace: step " + std::to_string(a.step) + " does not fit in 63 bits");
    if (a.layer() >= (1u << 31)) throw InputError("binary trace: layer " + std::to_string(a.layer()) + " does not fit in 31 bits");
    if (!have_step_ || a.step != step_) {
      pending_.push_back(kStepFlag | a.step);
      step_ = a.step;
      have_step_ = true;
    }
    pending_.push_back(a.object);
    if (pending_.size() >= kChunkWords) {
      file_.write(pending_.data(), pending_.size() * 8);
      pending_.clear();
    }
  }
}

void BinTraceWriter::finish() {
  file_.write(pending_.data(), pending_.size() * 8);
  pending_.clear();
  file_.commit();
}

TIERSIM_REGISTER_TRACE_FORMAT(
    bin, "bin", "tiersim binary: 8 bytes per access plus 8 per step", {},
    [](const std::string& path) -> std::unique_ptr<TraceReader> { return std::make_unique<BinTraceReader>(path); },
    [](const std::string& path, uint32_t) -> std::unique_ptr<TraceWriter> { return std::make_unique<BinTraceWriter>(path); },
    [](const std::string&, std::string_view head) {
      return head.size() >= 8 && head.compare(0, 8, std::string_view(kBinTraceMagic, 8)) == 0 ? Recognition::kByContent
                                                                                              : Recognition::kNo;
    });

}  // namespace tiersim::traces
