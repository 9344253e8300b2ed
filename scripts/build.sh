#!/usr/bin/env bash
# Builds tiersim in Release into build/.
#   build.sh          the tiersim binary only (what the main job needs)
#   build.sh --tests  the binary, the test suite and the benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
extras=(-DTIERSIM_BUILD_TESTS=OFF -DTIERSIM_BUILD_BENCHMARKS=OFF)
[ "${1:-}" = "--tests" ] && extras=(-DTIERSIM_BUILD_TESTS=ON -DTIERSIM_BUILD_BENCHMARKS=ON)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${extras[@]}" >/dev/null
cmake --build build -j 2
