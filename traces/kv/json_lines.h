#pragma once
// What the JSON-lines traces (Mooncake's requests, the store's API calls) share: reading a
// file (zstd or not) line by line as JSON objects, errors that name file:line, and the
// optional "model", "instance" and "session" fields.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "traces/kv/kv_trace.h"

namespace tiersim::traces {

class LineError {
 public:
  LineError(const std::string& path, uint64_t line) : where_(path + ":" + std::to_string(line) + ": ") {}
  [[noreturn]] void operator()(const std::string& what) const;

 private:
  std::string where_;
};

class FileReader;

// The non-blank lines of a file, parsed one at a time; a line that is not valid JSON is an
// InputError naming it (`expected` says what a line should be).
class JsonLineReader {
 public:
  JsonLineReader(const std::string& path, const char* expected);
  ~JsonLineReader();
  // The next line's object and number; false at the end of the file.
  bool next(nlohmann::json& object, uint64_t& line);
  const std::string& path() const { return path_; }

 private:
  bool fill();  // reads more of the file; false at its end
  std::string path_;
  const char* expected_;
  std::unique_ptr<FileReader> file_;
  std::string pending_;
  size_t pos_ = 0;
  uint64_t line_ = 0;
  bool eof_ = false;
};

// Calls fn(object, line number, fail) for every non-blank line, parsed (JsonLineReader).
void for_each_json_line(const std::string& path, const char* expected,
                        const std::function<void(const nlohmann::json&, uint64_t, const LineError&)>& fn);

// The optional "model", "instance" (names, interned in `trace`) and "session" (a string or
// a whole number, hashed) of one line.
void read_kv_names(const nlohmann::json& line, KvRequest& r, KvTrace& trace, uint64_t line_number, const LineError& fail);

// Appends `ids` (an array of whole numbers) to trace.block_ids; `field` names it in errors.
void read_block_ids(const nlohmann::json& ids, const char* field, KvTrace& trace, const LineError& fail);

}  // namespace tiersim::traces
