#include "traces/kv/json_lines.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "sim/config/json_shape.h"
#include "sim/errors.h"
#include "traces/file_reader.h"

namespace tiersim::traces {

void LineError::operator()(const std::string& what) const { throw InputError(where_ + what); }

void for_each_json_line(const std::string& path, const char* expected,
                        const std::function<void(const nlohmann::json&, uint64_t, const LineError&)>& fn) {
  FileReader file(path);
  std::string pending;
  std::vector<char> buffer(1 << 20);
  uint64_t line_number = 0;
  auto parse_line = [&](std::string_view line) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    const LineError fail(path, line_number);
    require_json_shape(line, path, line_number);
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) fail(std::string("not valid JSON: expected ") + expected);
    fn(object, line_number, fail);
  };
  size_t n;
  while ((n = file.read(buffer.data(), buffer.size())) > 0) {
    pending.append(buffer.data(), n);
    size_t start = 0, end;
    while ((end = pending.find('\n', start)) != std::string::npos) {
      parse_line(std::string_view(pending).substr(start, end - start));
      start = end + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) parse_line(pending);
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
