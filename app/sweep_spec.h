#pragma once
// A sweep file: a base config and the parameters to vary, each named by its JSON path
// (the paths of --set):
//   {
//     "name": "gpu_x_dram",                          optional
//     "base": "../bench_cache_quickstart.json",         a path (from the sweep file's folder), or the config inline
//     "set":  {"workload.mode": "inference"},       fixed overrides
//     "grid": {"tiers.gpu.capacity": [8, 16, 32],    cartesian product, first key outermost
//              "tiers.cpu.capacity": [32, 64]},
//     "zip":  {"workload.generator.episode_len": [10, 50],   lists varied together
//              "workload.generator.steps": [500, 1000]},
//     "repeats": 3,                                  each point with 3 derived seeds
//     "max_points": 100000000                        the most points the sweep may have (the default)
//   }
// Points are numbered 0..N-1: grid (first key outermost), then the zip row, then the
// repeat innermost. Values may be numbers, strings with units or objects. "seed" and
// "name" may be varied (seed not together with repeats); "workload" may not as a whole.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersim {

inline constexpr uint64_t kDefaultMaxSweepPoints = 100'000'000;

struct SweepParameter {
  std::string path;                   // JSON path in the config
  std::vector<nlohmann::json> values;
};

struct SweepSpec {
  std::string name;
  std::string source;   // the sweep file, for messages
  nlohmann::json base;  // the base config with the "set" overrides applied
  std::string base_dir;  // where the base config's relative paths are read from
  std::vector<SweepParameter> grid;
  std::vector<SweepParameter> zip;
  uint64_t repeats = 1;
  uint64_t base_seed = 0;
  std::string hash;  // identifies the sweep (base, parameters, repeats)

  uint64_t size() const;
  // The varied parameters, in column order: grid, then zip.
  std::vector<std::string> varied_paths() const;
  // Point `index`: its varied values (in varied_paths() order), its seed and its config.
  struct Point {
    std::vector<nlohmann::json> values;
    uint64_t seed;
    nlohmann::json config;
  };
  Point point(uint64_t index) const;
};

// Reads and checks a sweep file. Every value of every parameter is applied to the base
// and the result checked as a config before anything runs; mistakes are InputErrors
// naming the sweep file's JSON path (grid."tiers.gpu.capacity"[2]).
SweepSpec load_sweep(const std::string& path);

}  // namespace tiersim
