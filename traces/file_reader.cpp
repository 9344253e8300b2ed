#include "traces/file_reader.h"

#include "sim/output/results_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <zstd.h>

#include <vector>

#include "sim/errors.h"

namespace tiersim::traces {

struct FileReader::Decompressor {
  ZSTD_DStream* stream = nullptr;
  std::vector<char> input;
  ZSTD_inBuffer in{nullptr, 0, 0};
  size_t last_result = 0;  // 0 when the last frame is complete
  bool input_ended = false;

  Decompressor() : stream(ZSTD_createDStream()), input(ZSTD_DStreamInSize()) {
    if (!stream) throw std::bad_alloc();
    ZSTD_initDStream(stream);
    in.src = input.data();
  }
  ~Decompressor() { ZSTD_freeDStream(stream); }
};

FileReader::FileReader(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw InputError(path_ + ": cannot open trace file: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw InputError(path_ + ": not a readable trace file");
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  unsigned char magic[4] = {};
  const size_t n = read_raw(magic, sizeof magic);
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD) {
    decompressor_ = std::make_unique<Decompressor>();
  }
  if (::lseek(fd_, 0, SEEK_SET) != 0) throw InputError(path_ + ": cannot seek: " + std::strerror(errno));
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

size_t FileReader::read(void* buffer, size_t capacity) {
  return decompressor_ ? read_decompressed(buffer, capacity) : read_raw(buffer, capacity);
}

size_t FileReader::read_decompressed(void* buffer, size_t capacity) {
  Decompressor& d = *decompressor_;
  ZSTD_outBuffer out{buffer, capacity, 0};
  while (out.pos == 0) {
    if (d.in.pos == d.in.size) {
      if (d.input_ended) {
        if (d.last_result != 0) throw InputError(path_ + ": truncated zstd stream (the last frame is incomplete)");
        return 0;
      }
      d.in.size = read_raw(d.input.data(), d.input.size());
      d.in.pos = 0;
      if (d.in.size == 0) {
        d.input_ended = true;
        continue;
      }
    }
    const size_t result = ZSTD_decompressStream(d.stream, &out, &d.in);
    if (ZSTD_isError(result)) throw InputError(path_ + ": corrupt zstd data: " + ZSTD_getErrorName(result));
    d.last_result = result;
  }
  return out.pos;
}

size_t FileReader::read_raw(void* buffer, size_t capacity) {
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw InputError(path_ + ": read failed: " + std::strerror(errno));
  }
}

size_t FileReader::read_fully(void* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    const size_t n = read(static_cast<char*>(buffer) + done, size - done);
    if (n == 0) break;
    done += n;
  }
  return done;
}

PendingFile::PendingFile(std::string final_path) : final_path_(std::move(final_path)) {
  temporary_path_ = temporary_path_for(final_path_);
  fd_ = ::open(temporary_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(io_message(final_path_, "cannot create output file", errno));
}

PendingFile::~PendingFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_path_.c_str());
}

void PendingFile::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(io_message(final_path_, "write failed", errno));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void PendingFile::write_at(uint64_t offset, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(io_message(final_path_, "write failed", errno));
    }
    p += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
}

size_t PendingFile::read_at(uint64_t offset, void* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd_, static_cast<char*>(data) + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(final_path_ + ": read failed: " + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

void PendingFile::commit() {
  ::close(fd_);
  fd_ = -1;
  if (std::rename(temporary_path_.c_str(), final_path_.c_str()) != 0) {
    throw IoError(io_message(final_path_, "cannot rename into place", errno));
  }
  committed_ = true;
}

}  // namespace tiersim::traces
