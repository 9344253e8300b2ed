#include "sim/output/results_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "sim/errors.h"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

// Writes `content` to `temporary`; a failure names `final_path`, the file the user asked for.
void write_whole(const std::string& temporary, const std::string& final_path, const std::string& content) {
  FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f) throw IoError(io_message(final_path, "cannot write", errno));
  const size_t written = std::fwrite(content.data(), 1, content.size(), f);
  int error = written == content.size() ? 0 : errno;
  if (std::fflush(f) != 0 && !error) error = errno;
  if (std::fclose(f) != 0 && !error) error = errno;
  if (written != content.size() && !error) error = ENOSPC;
  if (error) {
    std::remove(temporary.c_str());
    throw IoError(io_message(final_path, "write failed", error));
  }
}

void make_directory(const std::string& directory) {
  if (directory.empty()) return;
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec || !fs::is_directory(directory)) {
    throw IoError(directory + ": cannot create output folder: " + (ec ? ec.message() : "a file is in the way"));
  }
}

}  // namespace

std::string temporary_path_for(const std::string& final_path) {
  const fs::path p(final_path);
  std::string name = ".";  // built by appending: GCC 12 warns falsely (-Wrestrict) on "." + string
  name += p.filename().string();
  name += ".tmp.";
  name += std::to_string(::getpid());
  return (p.parent_path() / name).string();
}

void write_file_atomically(const std::string& path, const std::string& content) {
  make_directory(fs::path(path).parent_path().string());
  const std::string temporary = temporary_path_for(path);
  write_whole(temporary, path, content);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw IoError(io_message(path, "cannot rename into place", error));
  }
}

void ResultsWriter::stage(const std::string& name, std::string content) {
  staged_.emplace_back(name, std::move(content));
}

void ResultsWriter::commit() {
  make_directory(directory_);
  std::vector<std::pair<std::string, std::string>> temporaries;  // (temporary, final)
  try {
    for (const auto& [name, content] : staged_) {
      const std::string final_path = (fs::path(directory_) / name).string();
      const std::string temporary = temporary_path_for(final_path);
      write_whole(temporary, final_path, content);
      temporaries.emplace_back(temporary, final_path);
    }
  } catch (...) {
    for (const auto& t : temporaries) std::remove(t.first.c_str());
    throw;
  }
  for (const auto& [temporary, final_path] : temporaries) {
    if (std::rename(temporary.c_str(), final_path.c_str()) != 0) {
      const int error = errno;
      for (const auto& t : temporaries) std::remove(t.first.c_str());
      throw IoError(io_message(final_path, "cannot rename into place", error));
    }
  }
  staged_.clear();
}

}  // namespace tiersim
