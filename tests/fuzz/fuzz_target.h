#pragma once
// libFuzzer targets: each file tests/fuzz/targets/NAME.cpp registers the target NAME;
// one binary (tiersim_fuzz) serves them all, the target picked by TIERSIM_FUZZ_TARGET,
// and ctest runs each as fuzz.NAME for a bounded time (seeds: tests/fuzz/seeds/NAME/,
// inputs that once crashed: tests/fuzz/regressions/NAME/, run as fuzz.NAME.regressions).
// A target feeds its input to one parser or reader. Bad input must come back as one of
// the errors the CLI reports (InputError, a simulated-time overflow); anything else that
// escapes, and any sanitizer report, is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/containers/named_registry.h"

namespace tiersim::fuzz {

struct FuzzTarget {
  std::string name;
  std::string description;
  void (*run)(const uint8_t* data, size_t size);
};

using FuzzTargetRegistry = sim::NamedRegistry<FuzzTarget>;

// The input as text.
inline std::string text_of(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// Writes the input to a file named `name` in this process's scratch folder; returns its path.
std::string write_input(const uint8_t* data, size_t size, const std::string& name);
// The scratch folder (removed when the fuzzer exits).
const std::string& scratch_dir();
// Reads a trace file through every access, as a replay would.
void read_whole_trace(const std::string& path, const std::string& format, bool ordered_steps);
// A scratch folder mirroring the source tree's configs/ (symlinks) but for an empty
// sweeps/, so that relative paths in configs and sweeps (hardware profiles, a sweep's
// base) resolve as they do for the shipped files.
const std::string& config_mirror();

}  // namespace tiersim::fuzz

#define TIERSIM_REGISTER_FUZZ_TARGET(id, ...)                               \
  [[maybe_unused]] static const bool tiersim_fuzz_target_registered_##id = \
      ::tiersim::fuzz::FuzzTargetRegistry::add(::tiersim::fuzz::FuzzTarget{__VA_ARGS__})
