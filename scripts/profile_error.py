#!/usr/bin/env python3
"""How well a hardware profile predicts measured transfers.

    python3 scripts/profile_error.py PROFILE MEASUREMENTS.csv [--min-bytes 16MiB]

PROFILE is a hardware profile or the folder holding it (what `tiersim calibrate` writes, or one written by hand);
MEASUREMENTS is the `measurements.csv` of a `tiersim calibrate` folder, typically a later run
(`--min-size 16MiB --streams 1` for single large transfers). For every one-at-a-time
point of a link the profile models, prints the measured median, the profile's
`latency + bytes / bandwidth` (its small-transfer line below `small_transfers.below`)
and the relative error, and beside it how far the measurement's own rounds lay apart (a
machine that does not repeat itself within a few per cent cannot be predicted closer);
then per link how many points lie within 5 %, and the worst and median error. Exits 1 if
no point matched.
"""
import argparse
import csv
import json
import os
import re
import statistics
import sys

SIZE = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
TIME = {"ps": 1e-12, "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def quantity(text, units, where):
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([A-Za-z]+)(/s)?\s*", text)
    if not m or m.group(2) not in units:
        sys.exit(f"profile_error: {where}: cannot read \"{text}\"")
    return float(m.group(1)) * units[m.group(2)]


def transfer_seconds(model, name, size):
    if "small_transfers" in model and size < quantity(model["small_transfers"]["below"], SIZE, name + ".small_transfers.below"):
        model, name = model["small_transfers"], name + ".small_transfers"
    fixed = model.get("latency", model.get("per_io_overhead", "0 s"))
    return quantity(fixed, TIME, name) + size / quantity(model["bandwidth"], SIZE, name + ".bandwidth")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("measurements")
    parser.add_argument("--min-bytes", default="0 B", help="only sizes from this on (e.g. 16MiB)")
    args = parser.parse_args()
    path = os.path.join(args.profile, "profile.json") if os.path.isdir(args.profile) else args.profile
    links = json.load(open(path))["links"]
    low = quantity(args.min_bytes, SIZE, "--min-bytes")
    errors = {}  # link -> relative errors
    print(f"{'link':14s} {'bytes':>11s} {'measured_ms':>12s} {'predicted_ms':>13s} {'error':>8s}  {'rounds_apart':>12s}")
    for row in csv.DictReader(open(args.measurements)):
        size = int(row["bytes"])
        if row["concurrency"] != "1" or row["link"] not in links or size < low:
            continue
        measured = float(row["median_us"]) * 1e-6
        predicted = transfer_seconds(links[row["link"]], "links." + row["link"], size)
        apart = f"{100 * float(row['round_spread']):11.1f} %" if row.get("rounds", "1") != "1" else f"{'-':>13s}"
        print(f"{row['link']:14s} {size:11d} {measured * 1e3:12.3f} {predicted * 1e3:13.3f} {100 * (predicted - measured) / measured:+7.1f} %  {apart}")
        errors.setdefault(row["link"], []).append(abs(predicted - measured) / measured)
    if not errors:
        sys.exit("profile_error: no measured point of a link the profile models")
    print()
    for link, e in errors.items():
        within = sum(x <= 0.05 for x in e)
        print(f"{link}: {within} of {len(e)} points within 5 %, worst {100 * max(e):.1f} %, median {100 * statistics.median(e):.1f} %")


if __name__ == "__main__":
    main()
