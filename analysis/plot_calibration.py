#!/usr/bin/env python3
"""The figure of a calibration: for each link, the measured transfer times (median, with
min-max bars) against transfer size, every queue depth / concurrency measured, and the
fitted line (latency + bytes / bandwidth, piecewise if so) the profile holds.

Usage: plot_calibration.py DIR   (the folder of `tiersim calibrate --out DIR`: reads
DIR/measurements.csv and DIR/fit.csv, writes DIR/calibration.png)"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main(folder):
    points = pd.read_csv(os.path.join(folder, "measurements.csv"))
    fits = pd.read_csv(os.path.join(folder, "fit.csv"))
    links = list(dict.fromkeys(points["link"]))
    fig, axes = plt.subplots(1, len(links), figsize=(5.2 * len(links), 4.4), squeeze=False)
    for ax, link in zip(axes[0], links):
        mine = points[points["link"] == link]
        for (qd, conc), group in mine.groupby(["queue_depth", "concurrency"]):
            label = (f"qd {qd}" if qd else "") + (f" x{conc} in flight" if conc > 1 else "")
            ax.errorbar(group["bytes"], group["median_us"],
                        yerr=[group["median_us"] - group["min_us"], group["max_us"] - group["median_us"]],
                        fmt="o", ms=4, capsize=2, label=label.strip() or "measured")
        sizes = sorted(mine["bytes"].unique())
        fitted = fits[fits["link"] == link]
        xs, ys = [], []
        for size in [sizes[0] * (1.05 ** k) for k in range(2000)]:
            if size > sizes[-1]:
                break
            for _, piece in fitted.iterrows():
                below = piece["below_bytes"]
                if size >= piece["from_bytes"] and (below == 0 or size < below):
                    xs.append(size)
                    ys.append(piece["latency_us"] + size / (piece["bandwidth_GBps"] * 1e3))
                    break
        ax.plot(xs, ys, "k-", lw=1.2, label="fit")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("transfer size (bytes)")
        ax.set_ylabel("time per transfer (us)")
        ax.set_title(link)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(folder, "calibration.png")
    fig.savefig(out, dpi=110)
    print(f"plot: {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: plot_calibration.py DIR  (a folder written by tiersim calibrate --out DIR)")
    main(sys.argv[1])
