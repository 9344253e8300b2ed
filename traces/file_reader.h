#pragma once
// Sequential reading of a file in large chunks with read(2): the one place trace
// readers touch the file system. A zstd-compressed file (recognised by its magic number,
// whatever its name) is decompressed on the fly, so published traces such as
// libCacheSim's *.oracleGeneral.zst replay as they are.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tiersim::traces {

class FileReader {
 public:
  explicit FileReader(std::string path);  // throws InputError if it cannot be opened
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Reads up to `capacity` (decompressed) bytes; returns the count (0 at the end).
  size_t read(void* buffer, size_t capacity);
  // Reads exactly `size` bytes or returns how many were there before the end.
  size_t read_fully(void* buffer, size_t size);
  const std::string& path() const { return path_; }

 private:
  size_t read_raw(void* buffer, size_t capacity);
  size_t read_decompressed(void* buffer, size_t capacity);

  struct Decompressor;
  std::string path_;
  int fd_ = -1;
  std::unique_ptr<Decompressor> decompressor_;
};

// A temporary file beside `final_path`, renamed onto it by commit(); removed if never
// committed.
class PendingFile {
 public:
  explicit PendingFile(std::string final_path);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  int fd() const { return fd_; }
  void write(const void* data, size_t size);
  void write_at(uint64_t offset, const void* data, size_t size);
  size_t read_at(uint64_t offset, void* data, size_t size);
  void commit();

 private:
  std::string final_path_;
  std::string temporary_path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace tiersim::traces
