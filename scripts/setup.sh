#!/usr/bin/env bash
# Installs what tiersim needs to build and test on Debian 12, if anything is missing
# (Slurm and munge are for the test that runs a sweep on a real single-node cluster; fio
# is the ground truth the README compares calibrated file links with).
# Runs as root (or with sudo); does nothing when everything is already there.
set -euo pipefail
packages=(build-essential cmake ninja-build git python3
          libboost-dev nlohmann-json3-dev libcli11-dev libeigen3-dev doctest-dev libbenchmark-dev libzstd-dev
          liburing-dev fio zstd
          python3-matplotlib python3-pandas
          slurmctld slurmd slurm-client munge)
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
