#!/usr/bin/env python3
"""Ground truth for the calibrated file links: runs tiersim calibrate (files only) and fio
(io_uring engine, direct=1) with the same request size and queue depth, on the same
directory, and prints both side by side.

Usage: python3 scripts/compare_fio.py DIR [--tiersim build/tiersim]
DIR must be on the drive to measure (not tmpfs); it needs about 1 GiB free."""
import argparse
import csv
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def fio(directory, rw, bs, depth, seconds=6):
    out = subprocess.run(["fio", "--name=compare", f"--filename={directory}/fio-compare.bin", "--size=1G", f"--rw={rw}",
                          f"--bs={bs}", f"--iodepth={depth}", "--ioengine=io_uring", "--direct=1", f"--runtime={seconds}",
                          "--time_based", "--output-format=json"], capture_output=True, text=True, check=True).stdout
    job = json.loads(out)["jobs"][0]
    side = job["read"] if job["read"]["io_bytes"] else job["write"]
    return side["bw_bytes"] / 1e9, side["lat_ns"]["mean"] / 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--tiersim", default=os.path.join(HERE, "..", "build", "tiersim"))
    args = parser.parse_args()
    profile = os.path.join(args.dir, "fio-compare.json")
    subprocess.run([args.tiersim, "calibrate", "--out", profile, "--nvme-dir", args.dir, "--skip-memcpy", "--no-plot", "--quiet",
                    "--queue-depths", "1,8", "--queue-depth", "8", "--block-size", "1 MiB"], check=True)
    with open(profile.replace(".json", ".measurements.csv")) as f:
        rows = list(csv.DictReader(f))

    def ours(link, qd, size):
        for r in rows:
            if r["link"] == link and int(r["queue_depth"]) == qd and int(r["bytes"]) == size and r["concurrency"] == "1":
                return r
        raise SystemExit(f"no measurement of {link} qd {qd} {size}")

    print(f"{'shape':44s} {'tiersim':>14s} {'fio':>14s} {'difference':>11s}")
    r = ours("nvme_read", 1, 4096)
    _, fio_lat = fio(args.dir, "randread", "4k", 1)
    print(f"{'4 KiB random read, qd 1: mean latency (us)':44s} {float(r['mean_us']):14.1f} {fio_lat:14.1f} "
          f"{(float(r['mean_us']) - fio_lat) / fio_lat:+10.1%}")
    for link, rw in (("nvme_read", "read"), ("nvme_write", "write")):
        r = ours(link, 8, 256 << 20)
        fio_bw, _ = fio(args.dir, rw, "1M", 8)
        print(f"{'1 MiB requests, qd 8, ' + rw + ': GB/s':44s} {float(r['aggregate_GBps']):14.3f} {fio_bw:14.3f} "
              f"{(float(r['aggregate_GBps']) - fio_bw) / fio_bw:+10.1%}")
    os.remove(os.path.join(args.dir, "fio-compare.bin"))


if __name__ == "__main__":
    main()
