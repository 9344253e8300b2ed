#include "traces/formats/oracle_general_trace.h"

#include "traces/trace_format.h"

#include <cstring>

#include "sim/containers/flat_map.h"
#include "sim/errors.h"

namespace tiersim::traces {

namespace {
constexpr size_t kChunkRecords = 1 << 16;

struct Record {
  uint32_t time;
  uint64_t id;
  uint32_t size;
  int64_t next;
};

inline Record decode(const unsigned char* p) {
  Record r;
  std::memcpy(&r.time, p, 4);
  std::memcpy(&r.id, p + 4, 8);
  std::memcpy(&r.size, p + 12, 4);
  std::memcpy(&r.next, p + 16, 8);
  return r;
}

inline void encode(const Record& r, unsigned char* p) {
  std::memcpy(p, &r.time, 4);
  std::memcpy(p + 4, &r.id, 8);
  std::memcpy(p + 12, &r.size, 4);
  std::memcpy(p + 16, &r.next, 8);
}
}  // namespace

OracleGeneralReader::OracleGeneralReader(const std::string& path)
    : file_(path), buffer_(kChunkRecords * kOracleGeneralRecordBytes) {}

size_t OracleGeneralReader::read(Access* out, size_t capacity) {
  const size_t want = std::min(capacity, kChunkRecords);
  const size_t bytes = file_.read_fully(buffer_.data(), want * kOracleGeneralRecordBytes);
  const size_t count = bytes / kOracleGeneralRecordBytes;
  if (bytes % kOracleGeneralRecordBytes != 0) {
    throw InputError(file_.path() + ": truncated oracleGeneral trace: record " + std::to_string(record_ + count + 1) +
                     " is cut short (" + std::to_string(bytes % kOracleGeneralRecordBytes) +
                     " of 24 bytes; not a whole number of 24-byte records)");
  }
  const unsigned char* p = buffer_.data();
  for (size_t i = 0; i < count; ++i, p += kOracleGeneralRecordBytes) {
    const Record r = decode(p);
    if (r.next < -1) {
      throw InputError(file_.path() + ": record " + std::to_string(record_ + i + 1) + ": next access " +
                       std::to_string(r.next) + " is negative (expected -1 or a request index)");
    }
    if (require_ordered_steps_ && r.time < last_time_) {
      throw InputError(file_.path() + ": record " + std::to_string(record_ + i + 1) + ": time " + std::to_string(r.time) +
                       " after time " + std::to_string(last_time_) + " (expected non-decreasing times, read as steps)");
    }
    last_time_ = r.time;
    Access& a = out[i];
    a.step = r.time;
    a.object = r.id;
    a.size_bytes = r.size;
    a.next_access = r.next;
  }
  record_ += count;
  return count;
}

OracleGeneralWriter::OracleGeneralWriter(const std::string& path, uint32_t object_size_bytes)
    : path_(path), file_(path), object_size_bytes_(object_size_bytes) {
  pending_.reserve(kChunkRecords * kOracleGeneralRecordBytes);
}

void OracleGeneralWriter::write(const Access* accesses, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const Access& a = accesses[i];
    if (a.step > UINT32_MAX) throw InputError(path_ + ": step " + std::to_string(a.step) + " does not fit oracleGeneral's 32-bit time");
    const Record r{static_cast<uint32_t>(a.step), a.object, a.size_bytes ? a.size_bytes : object_size_bytes_, -1};
    const size_t at = pending_.size();
    pending_.resize(at + kOracleGeneralRecordBytes);
    encode(r, pending_.data() + at);
    ++records_;
    if (pending_.size() >= kChunkRecords * kOracleGeneralRecordBytes) {
      file_.write(pending_.data(), pending_.size());
      pending_.clear();
    }
  }
}

void OracleGeneralWriter::fill_next_access() {
  // Walk the records from the last to the first, remembering each object's most recent
  // (that is, next in trace order) index.
  sim::FlatMap<uint64_t> next_index;
  std::vector<unsigned char> chunk(kChunkRecords * kOracleGeneralRecordBytes);
  uint64_t end = records_;
  while (end > 0) {
    const uint64_t begin = end > kChunkRecords ? end - kChunkRecords : 0;
    const size_t n = static_cast<size_t>(end - begin);
    const size_t bytes = n * kOracleGeneralRecordBytes;
    if (file_.read_at(begin * kOracleGeneralRecordBytes, chunk.data(), bytes) != bytes) {
      throw InputError(path_ + ": could not read back the trace being written");
    }
    for (size_t i = n; i-- > 0;) {
      unsigned char* p = chunk.data() + i * kOracleGeneralRecordBytes;
      Record r = decode(p);
      const uint64_t index = begin + i;
      if (uint64_t* seen = next_index.find(r.id)) {
        r.next = static_cast<int64_t>(*seen);
        *seen = index;
      } else {
        r.next = -1;
        next_index.insert(r.id, index);
      }
      encode(r, p);
    }
    file_.write_at(begin * kOracleGeneralRecordBytes, chunk.data(), bytes);
    end = begin;
  }
}

void OracleGeneralWriter::finish() {
  file_.write(pending_.data(), pending_.size());
  pending_.clear();
  fill_next_access();
  file_.commit();
}

TIERSIM_REGISTER_TRACE_FORMAT(
    oracle_general, "oracleGeneral", "libCacheSim: 24-byte records (time, id, size, next access)",
    {"oracle_general", "oraclegeneral"},
    [](const std::string& path) -> std::unique_ptr<TraceReader> { return std::make_unique<OracleGeneralReader>(path); },
    [](const std::string& path, uint32_t object_size_bytes) -> std::unique_ptr<TraceWriter> {
      return std::make_unique<OracleGeneralWriter>(path, object_size_bytes);
    },
    [](const std::string& path, std::string_view) {
      return path_contains(path, "oracleGeneral") || path_contains(path, "oracle_general") ? Recognition::kByName
                                                                                          : Recognition::kNo;
    });

}  // namespace tiersim::traces
