#pragma once
// Writing result files all-or-nothing: each file goes to a temporary name in the output
// folder and is renamed into place only when everything is written, so a failed run
// leaves no results file behind.
#include <string>
#include <utility>
#include <vector>

namespace tiersim {

class ResultsWriter {
 public:
  explicit ResultsWriter(std::string directory) : directory_(std::move(directory)) {}

  // Stages `content` for DIR/name; nothing is visible until commit().
  void stage(const std::string& name, std::string content);
  // Creates the folder, writes every staged file to a temporary name, then renames them
  // all into place. Throws InputError if the folder or a file cannot be written.
  void commit();

  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  std::vector<std::pair<std::string, std::string>> staged_;
};

// The hidden temporary name a file is written under before it is renamed into place:
// DIR/.NAME.tmp.PID.
std::string temporary_path_for(const std::string& final_path);

// Writes one file atomically (temporary file + rename).
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace tiersim
