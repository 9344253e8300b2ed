#!/usr/bin/env bash
# Installs what tiersim needs on Debian 12, if anything is missing. Runs as root (or with sudo);
# does nothing when everything is already there.
#   setup.sh run    what the main job needs: the compiler, the libraries, the plotting packages
#   setup.sh test   that, and the test and benchmark builds' needs: doctest, Google Benchmark,
#                   clang (the sanitizer build), fio (the ground truth calibration is compared
#                   with), Slurm and munge (the test that runs a sweep on a one-node cluster)
set -euo pipefail
profile="${1:-test}"
packages=(build-essential cmake ninja-build git python3
          nlohmann-json3-dev libcli11-dev libeigen3-dev libzstd-dev liburing-dev zstd
          python3-matplotlib python3-pandas)
case "$profile" in
  run) ;;
  test) packages+=(doctest-dev libbenchmark-dev clang fio slurmctld slurmd slurm-client munge) ;;
  *) echo "usage: setup.sh run|test" >&2; exit 1 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
