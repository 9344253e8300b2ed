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

void write_whole(const std::string& path, const std::string& content) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw InputError(path + ": cannot write: " + std::strerror(errno));
  const size_t written = std::fwrite(content.data(), 1, content.size(), f);
  const bool flushed = std::fflush(f) == 0;
  const int close_status = std::fclose(f);
  if (written != content.size() || !flushed || close_status != 0) {
    std::remove(path.c_str());
    throw InputError(path + ": write failed (disk full?)");
  }
}

void make_directory(const std::string& directory) {
  if (directory.empty()) return;
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec || !fs::is_directory(directory)) throw InputError(directory + ": cannot create output folder: " + ec.message());
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
  write_whole(temporary, content);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw InputError(path + ": cannot rename into place: " + std::strerror(errno));
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
      write_whole(temporary, content);
      temporaries.emplace_back(temporary, final_path);
    }
  } catch (...) {
    for (const auto& t : temporaries) std::remove(t.first.c_str());
    throw;
  }
  for (const auto& [temporary, final_path] : temporaries) {
    if (std::rename(temporary.c_str(), final_path.c_str()) != 0) {
      for (const auto& t : temporaries) std::remove(t.first.c_str());
      throw InputError(final_path + ": cannot rename into place: " + std::strerror(errno));
    }
  }
  staged_.clear();
}

}  // namespace tiersim
