#include "app/sweep_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "sim/errors.h"
#include "sim/config/json_hash.h"
#include "sim/config/load_config.h"
#include "sim/output/results_writer.h"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

std::string chunk_file(const std::string& state, uint64_t chunk) {
  char name[32];
  std::snprintf(name, sizeof name, "%08llu.tsv", static_cast<unsigned long long>(chunk));
  return state + "/" + name;
}

// One line per record; tabs and newlines inside fields would break the format.
std::string flat(std::string text) {
  for (char& c : text)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return text;
}

void append_line(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(io_message(path, "cannot write the sweep's progress", errno));
  const ssize_t n = ::write(fd, line.data(), line.size());  // one write: whole lines only
  const int error = n < 0 ? errno : ENOSPC;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) throw IoError(io_message(path, "write failed", error));
}

struct Line {
  uint64_t index;
  bool ok;
  std::string key;  // header hash, or the error message
  std::string row;
};

// The complete lines of a chunk file; a last line cut short by a crash is cut off the file.
std::vector<Line> read_chunk(const std::string& path, bool repair) {
  std::vector<Line> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  size_t start = 0, good_end = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    const std::string line = text.substr(start, end - start);
    const size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1), t3 = line.find('\t', t2 + 1);
    if (t1 != std::string::npos && t2 != std::string::npos && t3 != std::string::npos) {
      Line l;
      l.index = std::strtoull(line.substr(0, t1).c_str(), nullptr, 10);
      l.ok = line.compare(t1 + 1, t2 - t1 - 1, "ok") == 0;
      l.key = line.substr(t2 + 1, t3 - t2 - 1);
      l.row = line.substr(t3 + 1);
      lines.push_back(std::move(l));
    }
    start = end + 1;
    good_end = start;
  }
  if (repair && good_end < text.size()) fs::resize_file(path, good_end);
  return lines;
}

std::vector<std::string> split_csv(const std::string& row) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (quoted) {
      if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') {
        field += "\"\"";
        ++i;
      } else if (c == '"') {
        quoted = false;
        field += c;
      } else {
        field += c;
      }
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      if (c == '"') quoted = true;
      field += c;
    }
  }
  fields.push_back(field);
  return fields;  // fields keep their CSV quoting, so they can be written back as they are
}

// The chunk files the folders hold, in order: assembling visits only these, so a state
// file claiming a vast sweep costs nothing.
std::vector<uint64_t> present_chunks(const std::vector<std::string>& dirs, uint64_t points) {
  const uint64_t count = (points + SweepStore::kChunk - 1) / SweepStore::kChunk;
  std::set<uint64_t> found;
  for (const std::string& dir : dirs) {
    std::error_code error;
    for (const fs::directory_entry& e : fs::directory_iterator(dir + "/.sweep", error)) {
      const std::string name = e.path().filename().string();
      if (name.size() != 12 || name.compare(8, 4, ".tsv") != 0 || name.find_first_not_of("0123456789") < 8) continue;
      const uint64_t chunk = std::stoull(name.substr(0, 8));
      if (chunk < count) found.insert(chunk);
    }
  }
  return {found.begin(), found.end()};
}

// How many of the sweep's points the shard owns: those with index % shards == shard - 1.
uint64_t owned_points(const SweepIdentity& id) {
  const uint64_t first = id.shard - 1;
  return id.points > first ? (id.points - first + id.shards - 1) / id.shards : 0;
}

nlohmann::json identity_json(const SweepIdentity& id) {
  return {{"hash", id.hash}, {"name", id.name}, {"points", id.points}, {"shard", id.shard}, {"shards", id.shards}};
}

}  // namespace

SweepIdentity read_sweep_identity(const std::string& dir) {
  const std::string path = dir + "/.sweep/sweep.json";
  if (!fs::exists(path)) throw InputError(dir + ": holds no sweep (no .sweep/sweep.json)");
  const nlohmann::json j = load_json_file(path);
  SweepIdentity id;
  try {
    id.hash = j.at("hash").get<std::string>();
    id.name = j.at("name").get<std::string>();
    id.points = j.at("points").get<uint64_t>();
    const uint64_t shard = j.at("shard").get<uint64_t>(), shards = j.at("shards").get<uint64_t>();
    if (shards == 0 || shards > kMaxShards || shard == 0 || shard > shards) {
      throw InputError(path + ": shard " + std::to_string(shard) + " of " + std::to_string(shards) +
                       " is not a shard of a sweep (expected 1 <= shard <= shards <= " + std::to_string(kMaxShards) + ")");
    }
    id.shard = static_cast<uint32_t>(shard);
    id.shards = static_cast<uint32_t>(shards);
  } catch (const nlohmann::json::exception&) {
    throw InputError(path + ": not a sweep state file");
  }
  return id;
}

SweepStore::SweepStore(std::string dir, const SweepIdentity& identity, bool resume, bool force)
    : dir_(std::move(dir)), state_(dir_ + "/.sweep"), identity_(identity) {
  if (fs::exists(state_ + "/sweep.json")) {
    const SweepIdentity old = read_sweep_identity(dir_);
    const bool same = old.hash == identity.hash && old.shard == identity.shard && old.shards == identity.shards;
    if (force) {
      fs::remove_all(state_);
      fs::remove(dir_ + "/results.csv");
    } else if (!same) {
      throw InputError(dir_ + ": holds the results of another sweep (" + old.name + ", " + old.hash + ", shard " +
                       std::to_string(old.shard) + "/" + std::to_string(old.shards) +
                       "); choose another --out, or --force to replace them");
    } else if (!resume) {
      throw InputError(dir_ + ": already holds this sweep's points; --resume to run only what is missing, "
                       "or --force to start over");
    }
  } else if (fs::exists(dir_) && !fs::is_directory(dir_)) {
    throw InputError(dir_ + ": exists and is not a folder");
  }
  std::error_code error;
  fs::create_directories(state_, error);
  if (error) throw IoError(state_ + ": cannot create the sweep's folder: " + error.message());
  if (!fs::exists(state_ + "/sweep.json")) write_file_atomically(state_ + "/sweep.json", identity_json(identity).dump(2) + "\n");
  std::ifstream headers(state_ + "/headers.tsv");
  std::string line;
  while (std::getline(headers, line)) headers_.insert(line.substr(0, line.find('\t')));
}

std::vector<bool> SweepStore::finished() const {
  std::vector<bool> done(identity_.points, false);
  for (uint64_t c = 0; c * kChunk < identity_.points; ++c) {
    const std::string path = chunk_file(state_, c);
    if (!fs::exists(path)) continue;
    for (const Line& l : read_chunk(path, /*repair=*/true))
      if (l.ok && l.index < done.size()) done[l.index] = true;
  }
  return done;
}

void SweepStore::record_ok(uint64_t index, const std::string& header, const std::string& row) {
  const std::string hash = text_hash(header);
  {
    // The header goes in before any row that refers to it.
    std::lock_guard<std::mutex> lock(mutex_);
    if (headers_.insert(hash).second) append_line(state_ + "/headers.tsv", hash + "\t" + flat(header) + "\n");
  }
  append(index, std::to_string(index) + "\tok\t" + hash + "\t" + flat(row) + "\n");
}

void SweepStore::record_error(uint64_t index, const std::string& message) {
  append(index, std::to_string(index) + "\terror\t" + flat(message) + "\t\n");
}

// One write(2) of a whole line on an O_APPEND descriptor: lines from several workers never
// interleave, so no lock is held while writing.
void SweepStore::append(uint64_t index, const std::string& line) {
  const uint64_t chunk = index / kChunk;
  int fd;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = chunk_fds_.find(chunk);
    if (it == chunk_fds_.end()) {
      const std::string path = chunk_file(state_, chunk);
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) throw IoError(io_message(path, "cannot write the sweep's progress", errno));
      chunk_fds_.emplace(chunk, fd);
    } else {
      fd = it->second;
    }
  }
  const ssize_t n = ::write(fd, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    throw IoError(io_message(chunk_file(state_, chunk), "cannot record a finished point", n < 0 ? errno : ENOSPC));
  }
}

SweepStore::~SweepStore() {
  for (const auto& [chunk, fd] : chunk_fds_) ::close(fd);
}

AssembleResult assemble_results(const std::vector<std::string>& dirs, const SweepIdentity& owns, const std::string& out_csv) {
  AssembleResult result;
  // Every distinct header, and the first point using it (for a deterministic column order).
  std::map<std::string, std::string> header_text;
  for (const std::string& dir : dirs) {
    std::ifstream in(dir + "/.sweep/headers.tsv");
    std::string line;
    while (std::getline(in, line)) {
      const size_t tab = line.find('\t');
      if (tab != std::string::npos) header_text[line.substr(0, tab)] = line.substr(tab + 1);
    }
  }
  const std::vector<uint64_t> chunks = present_chunks(dirs, owns.points);
  auto chunk_lines = [&](uint64_t c) {
    std::map<uint64_t, Line> by_index;  // an ok line wins over an error for the same point
    for (const std::string& dir : dirs) {
      for (Line& l : read_chunk(chunk_file(dir + "/.sweep", c), false)) {
        if (l.index >= owns.points || !owns.owns(l.index)) continue;
        auto it = by_index.find(l.index);
        if (it == by_index.end() || (!it->second.ok && l.ok)) by_index[l.index] = std::move(l);
      }
    }
    return by_index;
  };
  std::map<std::string, uint64_t> first_use;
  for (const uint64_t c : chunks) {
    for (const auto& [index, l] : chunk_lines(c))
      if (l.ok && !first_use.count(l.key)) first_use[l.key] = index;
  }
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto& [hash, index] : first_use) order.emplace_back(index, hash);
  std::sort(order.begin(), order.end());
  std::vector<std::string> columns;
  std::map<std::string, std::vector<size_t>> column_of;  // header hash -> union position of each field
  for (const auto& [index, hash] : order) {
    auto it = header_text.find(hash);
    if (it == header_text.end()) throw InputError("sweep state is damaged: header " + hash + " is not recorded");
    std::vector<size_t>& map = column_of[hash];
    for (const std::string& name : split_csv(it->second)) {
      auto at = std::find(columns.begin(), columns.end(), name);
      map.push_back(static_cast<size_t>(at - columns.begin()));
      if (at == columns.end()) columns.push_back(name);
    }
  }

  const std::string temp = temporary_path_for(out_csv);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(io_message(out_csv, "cannot write", errno));
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
    out << '\n';
    std::vector<std::string> cells;
    for (const uint64_t c : chunks) {
      const std::map<uint64_t, Line> lines = chunk_lines(c);
      for (uint64_t i = c * SweepStore::kChunk; i < std::min(owns.points, (c + 1) * SweepStore::kChunk); ++i) {
        if (!owns.owns(i)) continue;
        auto it = lines.find(i);
        if (it == lines.end()) continue;  // counted below
        if (!it->second.ok) {
          result.failed.emplace_back(i, it->second.key);
          continue;
        }
        const std::vector<size_t>& map = column_of.at(it->second.key);
        const std::vector<std::string> fields = split_csv(it->second.row);
        cells.assign(columns.size(), std::string());
        for (size_t f = 0; f < fields.size() && f < map.size(); ++f) cells[map[f]] = fields[f];
        for (size_t k = 0; k < cells.size(); ++k) out << (k ? "," : "") << cells[k];
        out << '\n';
        ++result.rows;
      }
    }
    out.flush();
    if (!out) {
      const int error = errno ? errno : ENOSPC;
      out.close();
      fs::remove(temp);
      throw IoError(io_message(out_csv, "write failed", error));
    }
  }
  result.missing = owned_points(owns) - result.rows - result.failed.size();
  std::error_code renamed;
  fs::rename(temp, out_csv, renamed);
  if (renamed) throw IoError(out_csv + ": cannot rename into place: " + renamed.message());
  return result;
}

}  // namespace tiersim
