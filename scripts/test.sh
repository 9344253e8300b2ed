#!/usr/bin/env bash
# Set-up, then the whole test suite twice: a Release build, and a clang build under
# AddressSanitizer and UndefinedBehaviorSanitizer. Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
bash scripts/build.sh --tests
(cd build && ctest --output-on-failure -j 2)
CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIERSIM_SANITIZE=ON \
      -DTIERSIM_BUILD_BENCHMARKS=OFF -DTIERSIM_CUDA=OFF >/dev/null
cmake --build build-sanitize -j 2
cd build-sanitize && ctest --output-on-failure -j 2
