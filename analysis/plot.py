#!/usr/bin/python3
"""Figures and a self-contained report for a tiersim results folder.

    analysis/plot.py DIR      (or: tiersim plot DIR)

Reads DIR/results.csv (from `tiersim sweep`, or one row from `tiersim run`) and writes into
DIR:
  hit_stall_vs_<param>.png   first-tier hit ratio and stall fraction against each swept
                             parameter, one line per value of another swept parameter
  heatmap_<a>_x_<b>.png      stall fraction over the first two swept parameters
  step_breakdown.png         step time split into compute and stall, and busy time per link
  latency_cdf.png            transfer latency by kind of move (from its percentiles)
  report.html                every figure (embedded) and the results table
Values with units ("25 GB/s", "64 GiB") are plotted by their number. Points that differ
only in other parameters or repeats are averaged.
"""
import base64
import html
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

UNITS = {"": 1, "b": 1, "k": 1e3, "ki": 1024, "m": 1e6, "mi": 1024**2, "g": 1e9, "gi": 1024**3, "t": 1e12,
         "ti": 1024**4}


def magnitude(value):
    """A number for sorting and plotting a swept value: 16, "64 GiB", "25 GB/s"."""
    if isinstance(value, (int, float)):
        return float(value)
    m = re.match(r"^\s*([0-9.eE+-]+)\s*([a-zA-Z]*)", str(value))
    if not m:
        return None
    try:
        number = float(m.group(1))
    except ValueError:
        return None
    prefix = m.group(2).lower().rstrip("bs/")
    return number * UNITS.get(prefix, 1)


def swept_parameters(df):
    cols = list(df.columns)
    if "point" not in cols or "git_revision" not in cols:
        return []
    return cols[cols.index("point") + 1:cols.index("git_revision")]


def first_tier_hit_ratio(df):
    for c in df.columns:
        if c.endswith("_hit_ratio"):
            return c
    return None


def ordered_values(series):
    values = list(dict.fromkeys(series.tolist()))
    keyed = [(magnitude(v), i, v) for i, v in enumerate(values)]
    if all(k[0] is not None for k in keyed):
        keyed.sort()
    return [v for _, _, v in keyed]


def label(path):
    return path.replace("workload.generator.", "").replace("workload.", "")


def plot_against(df, param, other, hit, out):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    xs = ordered_values(df[param])
    numeric = all(magnitude(v) is not None for v in xs)
    groups = ordered_values(df[other]) if other else [None]
    for g in groups:
        sub = df if g is None else df[df[other] == g]
        means = sub.groupby(param, sort=False)[[hit, "stall_fraction"]].mean()
        present = [v for v in xs if v in means.index]
        x = [magnitude(v) for v in present] if numeric else list(range(len(present)))
        name = None if g is None else f"{label(other)} = {g}"
        axes[0].plot(x, [means.loc[v, hit] for v in present], marker="o", label=name)
        axes[1].plot(x, [means.loc[v, "stall_fraction"] for v in present], marker="o", label=name)
    for ax, title in zip(axes, (hit.replace("_", " "), "stall fraction")):
        ax.set_xlabel(label(param))
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        if not numeric:
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels([str(v) for v in xs], rotation=30)
        elif len(xs) > 2 and min(magnitude(v) for v in xs) > 0 and max(magnitude(v) for v in xs) / min(magnitude(v) for v in xs) >= 16:
            ax.set_xscale("log", base=2)
    axes[0].set_ylim(-0.02, 1.02)
    axes[1].set_ylim(-0.02, 1.02)
    if other:
        axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_heatmap(df, a, b, out):
    table = df.groupby([a, b], sort=False)["stall_fraction"].mean().unstack(b)
    rows, cols = ordered_values(df[a]), ordered_values(df[b])
    table = table.reindex(index=rows, columns=cols)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(cols), 1.2 + 0.6 * len(rows)))
    im = ax.imshow(table.values, cmap="viridis_r", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([str(c) for c in cols], rotation=30)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([str(r) for r in rows])
    ax.set_xlabel(label(b))
    ax.set_ylabel(label(a))
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = table.values[i, j]
            if v == v:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if v > 0.5 else "black", fontsize=8)
    fig.colorbar(im, ax=ax, label="stall fraction")
    ax.set_title("stall fraction")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_breakdown(df, params, out):
    links = [c[:-len("_busy_s")] for c in df.columns if c.endswith("_busy_s")]
    key = params[0] if params else None
    if key:
        agg = df.groupby(key, sort=False)[["compute_time_s", "stall_time_s"] + [l + "_busy_s" for l in links]].mean()
        agg = agg.reindex(ordered_values(df[key]))
        names = [str(v) for v in agg.index]
    else:
        agg = df[["compute_time_s", "stall_time_s"] + [l + "_busy_s" for l in links]].head(40)
        names = [str(i) for i in range(len(agg))]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    x = range(len(agg))
    axes[0].bar(x, agg["compute_time_s"], label="compute")
    axes[0].bar(x, agg["stall_time_s"], bottom=agg["compute_time_s"], label="stall")
    axes[0].set_title("step time, summed over steps (s)")
    width = 0.8 / max(len(links), 1)
    for i, l in enumerate(links):
        axes[1].bar([k + i * width for k in x], agg[l + "_busy_s"], width=width, label=l)
    axes[1].set_title("busy time per link (s)")
    for ax in axes:
        ax.set_xticks([k + 0.4 - (0.4 if ax is axes[0] else width / 2) for k in x])
        ax.set_xticklabels(names, rotation=30)
        ax.set_xlabel(label(key) if key else "point")
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_latency(df, out):
    quantiles = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)]
    kinds = sorted({c[len("move_"):-len("_count")] for c in df.columns if c.startswith("move_") and c.endswith("_count")})
    row = df.iloc[len(df) // 2]  # a middle point of the sweep
    fig, ax = plt.subplots(figsize=(7, 4))
    drawn = 0
    for kind in kinds:
        if float(row[f"move_{kind}_count"]) <= 0:
            continue
        xs = [float(row[f"move_{kind}_{q}_us"]) for q, _ in quantiles]
        ax.plot(xs, [p for _, p in quantiles], marker="o", label=kind)
        drawn += 1
    ax.set_xscale("log")
    ax.set_xlabel("transfer latency (us)")
    ax.set_ylabel("fraction of transfers")
    ax.set_title("transfer latency by kind (point %s)" % (row["point"] if "point" in df.columns else 0))
    ax.grid(True, alpha=0.3)
    if drawn:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def report(directory, df, params, figures):
    key_cols = (["point"] if "point" in df.columns else []) + params + [
        c for c in ("seed", first_tier_hit_ratio(df), "stall_fraction", "step_time_mean_us", "step_time_p99_us",
                    "sim_time_s") if c and c in df.columns]
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>tiersim report</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:100%}</style></head><body>",
             f"<h1>tiersim report: {html.escape(os.path.abspath(directory))}</h1>",
             f"<p>{len(df)} points; swept: {html.escape(', '.join(params) or 'nothing (one run)')}</p>"]
    for name in figures:
        with open(os.path.join(directory, name), "rb") as f:
            data = base64.b64encode(f.read()).decode()
        parts.append(f"<h2>{html.escape(name)}</h2><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>")
    parts.append("<h2>results</h2><table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in key_cols) + "</tr>")
    for _, r in df[key_cols].head(1000).iterrows():
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in key_cols) + "</tr>")
    parts.append("</table>")
    if len(df) > 1000:
        parts.append(f"<p>(first 1000 of {len(df)} rows; all of them are in results.csv)</p>")
    parts.append("</body></html>\n")
    with open(os.path.join(directory, "report.html"), "w") as f:
        f.write("\n".join(parts))


def safe(name):
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def main(argv):
    if len(argv) != 2:
        print("usage: plot.py DIR (a folder holding results.csv)", file=sys.stderr)
        return 1
    directory = argv[1]
    path = os.path.join(directory, "results.csv")
    if not os.path.exists(path):
        print(f"plot: error: {path}: no such file (run tiersim sweep or run with --out {directory})", file=sys.stderr)
        return 2
    df = pd.read_csv(path, keep_default_na=False)
    if df.empty:
        print(f"plot: error: {path}: has no rows", file=sys.stderr)
        return 2
    params = swept_parameters(df)
    hit = first_tier_hit_ratio(df)
    figures = []
    for i, p in enumerate(params):
        if df[p].nunique() < 2:
            continue
        others = [q for q in params if q != p and df[q].nunique() >= 2]
        name = f"hit_stall_vs_{safe(p)}.png"
        plot_against(df, p, others[0] if others else None, hit, os.path.join(directory, name))
        figures.append(name)
    varied = [p for p in params if df[p].nunique() >= 2]
    if len(varied) >= 2:
        name = f"heatmap_{safe(varied[0])}_x_{safe(varied[1])}.png"
        plot_heatmap(df, varied[0], varied[1], os.path.join(directory, name))
        figures.append(name)
    plot_breakdown(df, varied, os.path.join(directory, "step_breakdown.png"))
    figures.append("step_breakdown.png")
    plot_latency(df, os.path.join(directory, "latency_cdf.png"))
    figures.append("latency_cdf.png")
    report(directory, df, params, figures)
    for name in figures + ["report.html"]:
        print(os.path.join(directory, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
