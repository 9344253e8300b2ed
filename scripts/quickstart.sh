#!/usr/bin/env bash
# Set-up, Release build, and the main job: simulate configs/default.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/tiersim run configs/default.json --out results/default
