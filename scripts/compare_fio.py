#!/usr/bin/env python3
"""Ground truth for the calibrated file links: tiersim calibrate (files only) and fio
(io_uring engine, direct=1) with the same request size and queue depth, on the same
directory, in alternating rounds, so that a disk whose speed drifts from minute to minute
moves both sides alike. Prints every round and the median of each side.

Shapes compared:
  - 4 KiB random reads at queue depth 1: median latency. tiersim's "device" time is fio's
    "lat" (from submitting the request to reaping its completion); tiersim's end-to-end
    time adds the hand-offs between the thread that asks and the io_uring thread, which a
    real run pays and the profile's fit includes.
  - 1 MiB requests at queue depth 8, reads and writes: GB/s, tiersim's 256 MiB transfers
    (calibrate's default shape: 8 requests in flight, each refilled as one completes, as
    fio does) against fio's sequential job, both moving the same number of bytes (--bytes,
    2 GiB by default, rounded up to the 9 transfers calibrate times at the least). A
    time-based fio job moves 10-40 GB in a few seconds, and on a virtual disk a long write
    and a short one do not see the same host: equal volumes compare the tools, not the
    length of the run. Rounds alternate which tool goes first.

Both tools see the same disk and the same memory, because on a virtual disk both change
the figures more than the 10 % this comparison is for:
  - the file: on one virtual machine a file first written from 4 KiB pages read at a third
    of the speed of one first written from huge pages, for as long as it lived, however
    it was rewritten. calibrate writes its test file from huge pages just before it
    measures, so fio gets a file freshly laid out from huge pages before each of its runs;
  - the host memory: fio's requests cycle through an 8 MiB buffer (queue depth x block
    size), tiersim's through 512 MiB by default, as a run's many experts do. A virtual
    disk's host copies into a few pages that stay in its caches faster, so tiersim is run
    with the same 8 MiB (--io-buffer) for the comparison, and with its default as well: the
    last rows say what the profile's figures are against fio's;
  - the page size: tiersim's buffers are 2 MiB transparent huge pages where the kernel
    allows (calibrate's profile says which under calibration.host_memory). fio is given
    huge pages too (--mem=mmaphuge): run as root and the script reserves them for the
    comparison and gives them back after; otherwise it says that fio used 4 KiB pages.

Not compared: 8 MiB transfers (8 requests submitted at once). The block layer merges
adjacent requests submitted together (up to the queue's max_sectors_kb), which fio's
one-at-a-time refills do not get.

Usage: python3 scripts/compare_fio.py DIR [--rounds 3] [--seconds 5] [--bytes "2 GiB"] [--tiersim build/tiersim]
DIR must be on the drive to measure (not tmpfs); it needs about 2.5 GiB free."""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LARGE_TRANSFER = 256 << 20  # tiersim's transfer size for the bandwidth shapes
HUGE_PAGES_FOR_FIO = 16  # 8 requests of 1 MiB in flight, in 2 MiB pages, with room to spare
NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages"


def free_huge_pages():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
    return 0


class HugePagesForFio:
    """Reserves hugetlb pages for fio's buffers where it can, and gives them back."""

    def __enter__(self):
        self.restore = None
        if free_huge_pages() >= HUGE_PAGES_FOR_FIO:
            self.available = True
            return self
        try:
            with open(NR_HUGEPAGES) as f:
                self.restore = int(f.read())
            with open(NR_HUGEPAGES, "w") as f:
                f.write(str(self.restore + HUGE_PAGES_FOR_FIO))
        except OSError:
            self.restore = None
        self.available = free_huge_pages() >= HUGE_PAGES_FOR_FIO
        return self

    def __exit__(self, *exc):
        if self.restore is not None:
            with open(NR_HUGEPAGES, "w") as f:
                f.write(str(self.restore))


FIO_FILE = "fio-compare.bin"
FILE_BYTES = 1 << 30  # calibrate's test file is 1 GiB for transfers up to 512 MiB
FIO_BUFFER = "8 MiB"  # fio's buffer at queue depth 8 and 1 MiB requests


def fio(directory, rw, bs, depth, huge, seconds=None, volume=None):
    """One fio job: for `seconds` (time-based) or until it has moved `volume` bytes."""
    command = ["fio", "--name=compare", f"--filename={os.path.join(directory, FIO_FILE)}", f"--size={FILE_BYTES}", f"--rw={rw}",
               f"--bs={bs}", f"--iodepth={depth}", "--ioengine=io_uring", "--direct=1", "--lat_percentiles=1", "--output-format=json"]
    command += [f"--runtime={seconds}", "--time_based"] if seconds else [f"--io_size={volume}"]
    if huge:
        command.append("--mem=mmaphuge")
    if rw == "write":
        command.append("--scramble_buffers=0")  # tiersim writes fixed contents; fio would rewrite some of each buffer per write
    job = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)["jobs"][0]
    side = job["read"] if job["read"]["io_bytes"] else job["write"]
    return {"GBps": side["bw_bytes"] / 1e9, "lat_p50_us": side["lat_ns"]["percentile"]["50.000000"] / 1e3}


def fresh_fio_file(directory, huge):
    """fio's file written anew in full, from the same pages as its runs, as calibrate writes
    its test file from its own buffer before measuring."""
    path = os.path.join(directory, FIO_FILE)
    if os.path.exists(path):
        os.remove(path)
    fio(directory, "write", "1M", 8, huge, volume=FILE_BYTES)


def tiersim(binary, directory, size, depth, volume, io_buffer=None):
    """One calibrate point (reads and writes) at `size` and queue depth `depth`, `volume` bytes
    each: its measurement rows by link, and the host memory its transfers went through."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = os.path.join(scratch, "compare")
        command = [binary, "calibrate", "--out", folder, "--nvme-dir", directory, "--skip-memcpy", "--skip-wake", "--no-plot", "--quiet",
                   "--queue-depths", str(depth), "--queue-depth", str(depth), "--block-size", "1 MiB",
                   "--min-size", size, "--max-size", size, "--bytes-per-point", str(volume)]
        if io_buffer:
            command += ["--io-buffer", io_buffer]
        subprocess.run(command, check=True)
        with open(os.path.join(folder, "profile.json")) as f:
            calibration = json.load(f)["calibration"]
        with open(os.path.join(folder, "measurements.csv")) as f:
            rows = {r["link"]: r for r in csv.DictReader(f) if r["concurrency"] == "1"}
        return rows, calibration.get("io_buffer", calibration["buffer"])


def parse_size(text):
    """"2 GiB", "512MiB" or a plain number of bytes."""
    number, scale = text.strip(), 1
    for unit, unit_bytes in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if number.endswith(unit):
            number, scale = number[:-len(unit)], unit_bytes
    try:
        size = int(float(number) * scale)
    except ValueError:
        size = 0
    if size <= 0:
        sys.exit(f"compare_fio.py: --bytes: expected a size such as '2 GiB' or '512 MiB', got '{text}'")
    return size


def large_volume(requested):
    """What one bandwidth run moves: calibrate times at least 9 copies of a size, so the
    requested bytes are rounded up to whole 256 MiB transfers, 9 or more; fio moves the same."""
    return max(9, -(-requested // LARGE_TRANSFER)) * LARGE_TRANSFER


def difference(ours, theirs):
    return f"{(ours - theirs) / theirs:+.1%}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="length of each fio latency run")
    parser.add_argument("--bytes", default="2 GiB", help="bytes each side moves per bandwidth run (MiB or GiB)")
    parser.add_argument("--tiersim", default=os.path.join(HERE, "..", "build", "tiersim"))
    args = parser.parse_args()
    volume = large_volume(parse_size(args.bytes))

    # Per round: (tiersim, fio); for the bandwidth shapes tiersim's figure with fio's 8 MiB
    # of memory, and "default" with calibrate's own.
    shapes = {"latency": [], "read": [], "write": [], "read default": [], "write default": []}
    with HugePagesForFio() as huge:
        if not huge.available:
            print("note: no huge pages could be reserved for fio (run as root), so fio's buffers are 4 KiB pages "
                  "and its large-request bandwidth may read lower than tiersim's", file=sys.stderr)
        for round_number in range(1, args.rounds + 1):
            small = tiersim(args.tiersim, args.dir, "4 KiB", 1, 8 << 20)[0]["nvme_read"]  # 2000 reads, calibrate's most
            fresh_fio_file(args.dir, huge.available)
            theirs = fio(args.dir, "randread", "4k", 1, huge.available, seconds=args.seconds)
            shapes["latency"].append(((float(small["device_median_us"]), float(small["median_us"])), theirs["lat_p50_us"]))

            # Odd rounds run tiersim first, even rounds fio, so that a disk speeding up or
            # slowing down over a round favours neither tool.
            def ours():
                return (tiersim(args.tiersim, args.dir, "256 MiB", 8, volume, io_buffer=FIO_BUFFER),
                        tiersim(args.tiersim, args.dir, "256 MiB", 8, volume))

            def theirs_large():
                fresh_fio_file(args.dir, huge.available)
                return {side: fio(args.dir, side, "1M", 8, huge.available, volume=volume)["GBps"] for side in ("read", "write")}

            if round_number % 2 == 1:
                ((like_fio, _), (default, default_buffer)), fio_side = ours(), theirs_large()
            else:
                fio_side, ((like_fio, _), (default, default_buffer)) = theirs_large(), ours()
            for side, link in (("read", "nvme_read"), ("write", "nvme_write")):
                shapes[side].append((float(like_fio[link]["aggregate_GBps"]), fio_side[side]))
                shapes[side + " default"].append((float(default[link]["aggregate_GBps"]), fio_side[side]))
            print(f"round {round_number}: 4 KiB qd1 p50 {shapes['latency'][-1][0][0]:.1f} us (end to end "
                  f"{shapes['latency'][-1][0][1]:.1f}) vs fio {shapes['latency'][-1][1]:.1f} us; "
                  f"1 MiB qd8 read {shapes['read'][-1][0]:.2f} ({shapes['read default'][-1][0]:.2f} from {default_buffer}) "
                  f"vs {shapes['read'][-1][1]:.2f} GB/s, "
                  f"write {shapes['write'][-1][0]:.2f} ({shapes['write default'][-1][0]:.2f}) vs {shapes['write'][-1][1]:.2f} GB/s",
                  flush=True)
    os.remove(os.path.join(args.dir, FIO_FILE))

    print(f"\nmedians over {args.rounds} rounds, {volume >> 20} MiB per bandwidth run "
          f"(fio buffers: {'huge pages' if huge.available else '4 KiB pages'})")
    print(f"{'shape':56s} {'tiersim':>10s} {'fio':>10s} {'difference':>11s}")
    fio_latency = statistics.median([t for _, t in shapes["latency"]])
    device = statistics.median([o[0] for o, _ in shapes["latency"]])
    end_to_end = statistics.median([o[1] for o, _ in shapes["latency"]])
    print(f"{'4 KiB random read, qd 1: p50 latency (us)':56s} {device:10.1f} {fio_latency:10.1f} {difference(device, fio_latency):>11s}")
    print(f"{'  the same, end to end through tiersim threads':56s} {end_to_end:10.1f} {fio_latency:10.1f} "
          f"{difference(end_to_end, fio_latency):>11s}")
    labels = {"read": f"1 MiB requests, qd 8, read: GB/s ({FIO_BUFFER} buffer)",
              "write": f"1 MiB requests, qd 8, write: GB/s ({FIO_BUFFER} buffer)",
              "read default": f"  read from calibrate's {default_buffer} (the profile's)",
              "write default": f"  write from calibrate's {default_buffer} (the profile's)"}
    for shape, label in labels.items():
        ours, theirs = statistics.median([o for o, _ in shapes[shape]]), statistics.median([t for _, t in shapes[shape]])
        print(f"{label:56s} {ours:10.3f} {theirs:10.3f} {difference(ours, theirs):>11s}")

if __name__ == "__main__":
    main()
