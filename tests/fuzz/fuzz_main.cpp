// The fuzzing binary's entry points: the target named by TIERSIM_FUZZ_TARGET gets every
// input; its errors for bad input are expected, anything else aborts as a finding.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "fuzz_target.h"
#include "sim/errors.h"

namespace tiersim::fuzz {

namespace {

const FuzzTarget* target = nullptr;
std::string scratch;

void remove_scratch() {
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
}

}  // namespace

const std::string& scratch_dir() { return scratch; }

}  // namespace tiersim::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace tiersim::fuzz;
  const char* name = std::getenv("TIERSIM_FUZZ_TARGET");
  target = name ? FuzzTargetRegistry::find(name) : nullptr;
  if (!target) {
    std::fprintf(stderr, "set TIERSIM_FUZZ_TARGET to one of: %s\n", FuzzTargetRegistry::names().c_str());
    std::exit(1);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/tiersim-fuzz-XXXXXX";
  if (!mkdtemp(pattern.data())) {
    std::perror("fuzz: mkdtemp");
    std::exit(1);
  }
  scratch = pattern;
  std::atexit(remove_scratch);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tiersim::fuzz::target->run(data, size);
  } catch (const tiersim::InputError&) {   // bad input, reported as such: expected
  } catch (const std::overflow_error&) {   // simulated time out of range: exit 2 as bad input
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s: escaped as an internal error: %s\n", tiersim::fuzz::target->name.c_str(), e.what());
    std::abort();
  }
  return 0;
}
