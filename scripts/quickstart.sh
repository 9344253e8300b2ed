#!/usr/bin/env bash
# Set-up, Release build, and the main job: simulate configs/default.json, then a small
# sweep (GPU x DRAM slots) with its figures and report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
bash scripts/build.sh
./build/tiersim run configs/default.json --out results/default
./build/tiersim sweep configs/sweeps/quick.json --out results/quick --force
./build/tiersim plot results/quick >/dev/null
echo "report: results/quick/report.html (figures: results/quick/*.png)"
