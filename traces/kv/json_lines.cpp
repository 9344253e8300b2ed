#include "traces/kv/json_lines.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "sim/config/json_shape.h"
#include "sim/errors.h"
#include "traces/file_reader.h"

namespace tiersim::traces {

void LineError::operator()(const std::string& what) const { throw InputError(where_ + what); }

JsonLineReader::JsonLineReader(const std::string& path, const char* expected)
    : path_(path), expected_(expected), file_(std::make_unique<FileReader>(path)) {}

JsonLineReader::~JsonLineReader() = default;

bool JsonLineReader::fill() {
  if (eof_) return false;
  pending_.erase(0, pos_);
  pos_ = 0;
  std::vector<char> buffer(1 << 20);
  const size_t n = file_->read(buffer.data(), buffer.size());
  if (n == 0) {
    eof_ = true;
    return false;
  }
  pending_.append(buffer.data(), n);
  return true;
}

bool JsonLineReader::next(nlohmann::json& object, uint64_t& line) {
  for (;;) {
    size_t end = pending_.find('\n', pos_);
    while (end == std::string::npos && fill()) end = pending_.find('\n', pos_);
    if (end == std::string::npos && pos_ >= pending_.size()) return false;
    if (end == std::string::npos) end = pending_.size();  // a last line without its newline
    const std::string_view text = std::string_view(pending_).substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const LineError fail(path_, line_);
    require_json_shape(text, path_, line_);
    object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) fail(std::string("not valid JSON: expected ") + expected_);
    line = line_;
    return true;
  }
}

void for_each_json_line(const std::string& path, const char* expected,
                        const std::function<void(const nlohmann::json&, uint64_t, const LineError&)>& fn) {
  JsonLineReader reader(path, expected);
  nlohmann::json object;
  uint64_t line = 0;
  while (reader.next(object, line)) fn(object, line, LineError(path, line));
}

void read_kv_names(const nlohmann::json& request, KvRequest& r, KvTrace& trace, uint64_t line, const LineError& fail) {
  for (const char* field : {"model", "instance"}) {
    const auto it = request.find(field);
    if (it == request.end()) continue;
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > 200) {
      fail(std::string("\"") + field + "\" is " + it->dump().substr(0, 80) + "; expected a name (a non-empty string of at most 200 characters)");
    }
    KvNames& names = std::string(field) == "model" ? trace.models : trace.instances;
    if (names.names.size() > 65536) fail("more than 65536 distinct model or instance names");
    (std::string(field) == "model" ? r.model : r.instance) = names.intern(it->get<std::string>(), line);
  }
  const auto session = request.find("session");
  if (session == request.end()) return;
  if (session->is_string()) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a: the same on every machine
    for (unsigned char c : session->get<std::string>()) h = (h ^ c) * 1099511628211ull;
    r.session = h | 1;
  } else if (session->is_number_unsigned()) {
    r.session = session->get<uint64_t>() | (uint64_t{1} << 63);
  } else {
    fail("\"session\" is " + session->dump().substr(0, 80) + "; expected a session id, a string or a whole number");
  }
}

void read_block_ids(const nlohmann::json& ids, const char* field, KvTrace& trace, const LineError& fail) {
  for (size_t i = 0; i < ids.size(); ++i) {
    const nlohmann::json& id = ids[i];
    if (!id.is_number_unsigned()) {
      fail(std::string("\"") + field + "\"[" + std::to_string(i) + "] is " + id.dump().substr(0, 80) +
           "; expected a block id, a whole number 0 or more");
    }
    trace.block_ids.push_back(id.get<uint64_t>());
  }
}

}  // namespace tiersim::traces
