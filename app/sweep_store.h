#pragma once
// Where a sweep keeps its progress, so that an interrupted sweep loses only the points in
// flight: DIR/.sweep/ holds
//   sweep.json   which sweep this is (its hash), how many points, which shard of how many
//   headers.tsv  "<hash>\t<csv header>", one line per distinct header
//   <chunk>.tsv  one line per finished point of that chunk of 4096 points:
//                "<index>\tok\t<header hash>\t<csv row>" or "<index>\terror\t<message>\t"
// Lines are appended as points finish, in any order; a line cut short by a crash is
// dropped when the folder is opened again. results.csv is assembled from the chunks in
// point order, a chunk at a time, so memory does not grow with the number of points.
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace tiersim {

inline constexpr uint64_t kMaxShards = 1u << 20;

struct SweepIdentity {
  std::string hash;
  std::string name;
  uint64_t points = 0;
  uint32_t shard = 1, shards = 1;  // this folder runs points i with i % shards == shard - 1

  bool owns(uint64_t index) const { return index % shards == shard - 1; }
};

class SweepStore {
 public:
  static constexpr uint64_t kChunk = 4096;

  // Opens DIR for `identity`. A folder holding another sweep (or shard) is refused unless
  // `force` (which clears it); one holding this sweep's points needs `resume` or `force`.
  SweepStore(std::string dir, const SweepIdentity& identity, bool resume, bool force);
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  // The points already finished successfully (repairs lines cut short by a crash).
  std::vector<bool> finished() const;

  // Thread-safe; each call appends one line.
  void record_ok(uint64_t index, const std::string& header, const std::string& row);
  void record_error(uint64_t index, const std::string& message);

  const std::string& dir() const { return dir_; }

 private:
  void append(uint64_t index, const std::string& line);

  std::string dir_, state_;
  SweepIdentity identity_;
  std::mutex mutex_;
  std::set<std::string> headers_;  // hashes already in headers.tsv
  std::map<uint64_t, int> chunk_fds_;  // open chunk files
};

// Reads DIR/.sweep/sweep.json; throws InputError if DIR holds no sweep.
SweepIdentity read_sweep_identity(const std::string& dir);

struct AssembleResult {
  uint64_t rows = 0;
  std::vector<std::pair<uint64_t, std::string>> failed;  // (index, message) of failed points
  uint64_t missing = 0;                                  // owned points with no line at all
};

// Writes `out_csv` (atomically) from the chunks of `dirs`: one row per finished point that
// `owns` accepts, in point order, under the union of the points' headers (in order of the
// first point having each column). Missing and failed points are left out and reported.
AssembleResult assemble_results(const std::vector<std::string>& dirs, const SweepIdentity& owns, const std::string& out_csv);

}  // namespace tiersim
