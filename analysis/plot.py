#!/usr/bin/python3
"""Figures and a self-contained report.html for any tiersim results folder.

    analysis/plot.py DIR      (or: tiersim plot DIR)

The folder's kind is read from what it holds:
  expert replay run    step time split, tier hit ratios, latency CDFs (histograms.csv),
                       the time series (timeseries.csv)
  expert replay sweep  hit ratio and stall fraction against each swept parameter, a stall
                       heatmap over two of them, step time split, fetch latency percentiles
  KV-cache run         TTFT and load-time CDFs (requests.csv when the run logged requests,
                       else histograms.csv), hit ratio by tier, link utilization
  KV-cache sweep       TTFT and cost against each swept parameter, hit ratio by tier, a
                       TTFT heatmap over two of them
  cache (tiersim cache --out)  miss ratio against capacity, one line per policy
  mrc (tiersim mrc --out)      the miss-ratio curves
  calibration (tiersim calibrate --out)  measured transfer times and fitted lines
Every figure gets a caption; report.html holds them all (embedded) and the results table,
with numbers formatted for people. Swept values with units ("25 GB/s") are plotted by
their number; points that differ only in other parameters or repeats are averaged.
"""
import base64
import html
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_calibration  # noqa: E402

UNITS = {"": 1, "b": 1, "k": 1e3, "ki": 1024, "m": 1e6, "mi": 1024**2, "g": 1e9, "gi": 1024**3, "t": 1e12,
         "ti": 1024**4}


# ---------------------------------------------------------------- numbers and names

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
    return number * UNITS.get(m.group(2).lower().rstrip("bs/"), 1)


def human(value):
    """A number as a person writes it: 8 not 8.0, 1,234,567, 0.367, 12.3 (three digits)."""
    if isinstance(value, str):
        try:
            value = float(value) if value.strip() else value
        except ValueError:
            return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if value != value:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def label(path):
    """A swept JSON path as an axis label."""
    return path.replace("workload.generator.", "").replace("workload.", "").replace("tiers.", "tier ").replace(
        "links.", "link ").replace(".", " ")


def safe(name):
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def ordered_values(series):
    values = list(dict.fromkeys(series.tolist()))
    keyed = [(magnitude(v), i, v) for i, v in enumerate(values)]
    if all(k[0] is not None for k in keyed):
        keyed.sort()
    return [v for _, _, v in keyed]


def swept_parameters(df):
    cols = list(df.columns)
    if "point" not in cols or "git_revision" not in cols:
        return []
    return cols[cols.index("point") + 1:cols.index("git_revision")]


def tiers_of(df, suffix):
    return [c[:-len(suffix)] for c in df.columns if c.endswith(suffix)]


def links_of(df):
    return [c[:-len("_utilization")] for c in df.columns if c.endswith("_utilization") and not c.startswith("decode")]


def time_axis(ax, axis="x"):
    """Microsecond values shown with a readable unit."""
    def fmt(v, _):
        for unit, scale in (("s", 1e6), ("ms", 1e3), ("us", 1)):
            if abs(v) >= scale:
                return f"{v / scale:g} {unit}"
        return f"{v:g} us"
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(ticker.FuncFormatter(fmt))


# ---------------------------------------------------------------- the figure list

class Figures:
    """The figures written so far, each with its caption, for the report."""

    def __init__(self, directory):
        self.directory, self.items = directory, []

    def save(self, fig, name, title, caption):
        fig.tight_layout()
        fig.savefig(os.path.join(self.directory, name), dpi=90)
        plt.close(fig)
        self.items.append((name, title, caption))


def swept_x(ax, values):
    """Places swept values on the x axis: by number (log2 when they span 16x or more), else by position."""
    numeric = all(magnitude(v) is not None for v in values)
    if not numeric:
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels([str(v) for v in values], rotation=30)
        return lambda v: values.index(v)
    ms = [magnitude(v) for v in values]
    if len(values) > 2 and min(ms) > 0 and max(ms) / min(ms) >= 16:
        ax.set_xscale("log", base=2)
    ax.set_xticks(ms)
    ax.set_xticklabels([str(v) for v in values], rotation=30)
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    return magnitude


def lines_against(ax, df, param, other, column):
    """`column` (averaged) against `param`, one line per value of `other`."""
    xs = ordered_values(df[param])
    place = swept_x(ax, xs)
    for g in (ordered_values(df[other]) if other else [None]):
        sub = df if g is None else df[df[other] == g]
        means = sub.groupby(param, sort=False)[column].mean()
        present = [v for v in xs if v in means.index]
        ax.plot([place(v) for v in present], [means.loc[v] for v in present], marker="o",
                label=None if g is None else f"{label(other)} = {g}")
    ax.set_xlabel(label(param))
    ax.grid(True, alpha=0.3)
    if other:
        ax.legend(fontsize=8)


def heatmap(figures, df, a, b, column, name, title, caption, colour_label, fmt):
    table = df.groupby([a, b], sort=False)[column].mean().unstack(b)
    rows, cols = ordered_values(df[a]), ordered_values(df[b])
    table = table.reindex(index=rows, columns=cols)
    fig, ax = plt.subplots(figsize=(2.2 + 0.9 * len(cols), 1.6 + 0.6 * len(rows)))
    im = ax.imshow(table.values, cmap="viridis_r", aspect="auto")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([str(c) for c in cols], rotation=30)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([str(r) for r in rows])
    ax.set_xlabel(label(b))
    ax.set_ylabel(label(a))
    top = table.values[table.values == table.values].max() if table.size else 0
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = table.values[i, j]
            if v == v:
                ax.text(j, i, fmt(v), ha="center", va="center", fontsize=8, color="white" if v > top / 2 else "black")
    fig.colorbar(im, ax=ax, label=colour_label)
    ax.set_title(title)
    figures.save(fig, name, title, caption)


def cdf(ax, xs, weights, name, start=None):
    """A step CDF: xs ascending, each with its weight; it rises from 0 at `start` (the
    first bucket's lower bound; the first value by default)."""
    total = float(sum(weights))
    if total <= 0:
        return False
    xs = list(xs)
    cumulative, ys = 0.0, [0.0]
    for w in weights:
        cumulative += w
        ys.append(cumulative / total)
    ax.step([xs[0] if start is None else start] + xs, ys, where="post", label=name)
    return True


def histogram_cdfs(ax, histograms, names):
    """CDFs of the named histograms from their buckets (a bucket's count at its upper bound)."""
    drawn = 0
    for n in names:
        rows = histograms[histograms["histogram"] == n].sort_values("lower")
        if len(rows) and cdf(ax, rows["upper"].tolist(), rows["count"].tolist(), n.replace("_", " "), rows["lower"].iloc[0]):
            drawn += 1
    return drawn


def finish_cdf(ax, xlabel):
    ax.set_xscale("log")
    time_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction")
    ax.set_ylim(0, 1.01)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def read_optional(directory, name):
    path = os.path.join(directory, name)
    return pd.read_csv(path, keep_default_na=False) if os.path.exists(path) and os.path.getsize(path) else None


# ---------------------------------------------------------------- expert replay

def expert_sweep(figures, df, params):
    varied = [p for p in params if df[p].nunique() >= 2]
    hit = next((c for c in df.columns if c.endswith("_hit_ratio")), None)
    first = hit[:-len("_hit_ratio")] if hit else "first tier"
    for p in varied:
        others = [q for q in varied if q != p]
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        lines_against(axes[0], df, p, others[0] if others else None, hit)
        axes[0].set_ylabel(f"{first} hit ratio")
        lines_against(axes[1], df, p, others[0] if others else None, "stall_fraction")
        axes[1].set_ylabel("stall fraction of step time")
        for ax in axes:
            ax.set_ylim(-0.02, 1.02)
        figures.save(fig, f"hit_stall_vs_{safe(p)}.png", f"Hit ratio and stalls against {label(p)}",
                     f"The {first} tier's hit ratio (left) and the share of step time spent waiting for transfers "
                     f"(right) as {label(p)} varies" + (f", one line per {label(others[0])}." if others else "."))
    if len(varied) >= 2:
        heatmap(figures, df, varied[0], varied[1], "stall_fraction",
                f"heatmap_{safe(varied[0])}_x_{safe(varied[1])}.png", "Stall fraction",
                f"The share of step time spent waiting for transfers, by {label(varied[0])} and {label(varied[1])} "
                "(darker: more stalls).", "stall fraction", lambda v: f"{v:.2f}")
    step_breakdown(figures, df, varied[0] if varied else None)
    if varied and "move_fetch_p50_us" in df.columns:
        fig, ax = plt.subplots(figsize=(7, 4))
        for q in ("p50", "p99"):
            means = df.groupby(varied[0], sort=False)[f"move_fetch_{q}_us"].mean()
            xs = ordered_values(df[varied[0]])
            place = swept_x(ax, xs)
            ax.plot([place(v) for v in xs], [means.loc[v] for v in xs], marker="o", label=f"fetch {q}")
        ax.set_yscale("log")
        time_axis(ax, "y")
        ax.set_xlabel(label(varied[0]))
        ax.set_ylabel("fetch latency")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        figures.save(fig, f"fetch_latency_vs_{safe(varied[0])}.png", f"Fetch latency against {label(varied[0])}",
                     "Median and 99th-percentile latency of a demand fetch (first byte sent to last byte delivered), "
                     "averaged over the other parameters. A single run's histograms.csv gives the whole distribution.")


def step_breakdown(figures, df, key):
    links = [c[:-len("_busy_s")] for c in df.columns if c.endswith("_busy_s")]
    columns = ["compute_time_s", "stall_time_s"] + [l + "_busy_s" for l in links]
    if key:
        agg = df.groupby(key, sort=False)[columns].mean().reindex(ordered_values(df[key]))
        names = [str(v) for v in agg.index]
    else:
        agg = df[columns].head(40)
        names = [str(r.get("name", i)) for i, r in df.head(40).iterrows()]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    x = list(range(len(agg)))
    axes[0].bar(x, agg["compute_time_s"], label="compute")
    axes[0].bar(x, agg["stall_time_s"], bottom=agg["compute_time_s"], label="stall")
    axes[0].set_ylabel("time over all steps (s)")
    width = 0.8 / max(len(links), 1)
    for i, l in enumerate(links):
        axes[1].bar([k + i * width for k in x], agg[l + "_busy_s"], width=width, label=l)
    axes[1].set_ylabel("busy time (s)")
    for ax, shift in ((axes[0], 0), (axes[1], 0.4 - width / 2)):
        ax.set_xticks([k + shift for k in x])
        ax.set_xticklabels(names, rotation=30)
        ax.set_xlabel(label(key) if key else "run")
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    figures.save(fig, "step_breakdown.png", "Where the time goes",
                 "Left: the run's time split into compute and stall (waiting for transfers). Right: how long each "
                 "link had at least one transfer in service.")


def tier_hits(figures, row, tiers, title, caption, suffixes):
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(suffixes)
    for i, (suffix, name) in enumerate(suffixes):
        values = [float(row.get(t + suffix, 0) or 0) for t in tiers]
        ax.bar([k + i * width for k in range(len(tiers))], values, width=width, label=name)
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(tiers))])
    ax.set_xticklabels(tiers)
    ax.set_ylabel("hit ratio")
    ax.set_ylim(0, 1.02)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    figures.save(fig, "hit_ratio_by_tier.png", title, caption)


def expert_run(figures, df, directory):
    step_breakdown(figures, df, None)
    row = df.iloc[0]
    tier_hits(figures, row, tiers_of(df, "_hit_ratio"), "Hit ratio by tier",
              "The share of each tier's lookups it served (a tier is looked up when every tier above it missed).",
              [("_hit_ratio", "hit ratio")])
    histograms = read_optional(directory, "histograms.csv")
    if histograms is not None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        histogram_cdfs(axes[0], histograms, ["step_time"])
        finish_cdf(axes[0], "step time")
        moves = [n for n in dict.fromkeys(histograms["histogram"]) if n.startswith("move_")]
        histogram_cdfs(axes[1], histograms, moves)
        finish_cdf(axes[1], "transfer latency, first byte sent to last delivered")
        figures.save(fig, "latency_cdf.png", "Step time and transfer latency",
                     "Cumulative distributions of the step time (left) and of each kind of move's latency (right), "
                     "drawn from the histograms' buckets (histograms.csv; within 0.8 %).")
    series = read_optional(directory, "timeseries.csv")
    if series is not None and len(series) > 1:
        timeseries(figures, series)


def timeseries(figures, series):
    dt = series["time_s"].diff()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    steps = series["steps"].diff() / dt
    stall = series["stall_time_s"].diff() / dt
    axes[0].plot(series["time_s"], steps, label="steps per second")
    axes[0].set_ylabel("steps per second")
    twin = axes[0].twinx()
    twin.plot(series["time_s"], stall, color="C3", label="stall share")
    twin.set_ylabel("share of time stalled", color="C3")
    twin.set_ylim(0, 1.05)
    for t in [c[:-len("_hits")] for c in series.columns if c.endswith("_hits")]:
        hits, misses = series[t + "_hits"].diff(), series[t + "_misses"].diff()
        axes[1].plot(series["time_s"], hits / (hits + misses), label=t)
    axes[1].set_ylabel("hit ratio in the interval")
    axes[1].set_ylim(0, 1.02)
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("simulated time (s)")
        ax.grid(True, alpha=0.3)
    figures.save(fig, "timeseries.png", "Over simulated time",
                 "Left: steps per second and the share of each interval spent stalled. Right: each tier's hit ratio per "
                 "interval (timeseries.csv).")


# ---------------------------------------------------------------- KV-cache serving

def kv_run(figures, df, directory):
    row = df.iloc[0]
    requests = read_optional(directory, "requests.csv")
    histograms = read_optional(directory, "histograms.csv")
    fig, ax = plt.subplots(figsize=(7, 4))
    if requests is not None:
        source = "requests.csv, exact"
        for column, name in (("ttft_us", "TTFT"), ("load_us", "load time"), ("queue_wait_us", "queueing")):
            values = sorted(v for v in requests[column].tolist() if v > 0)
            cdf(ax, values, [1] * len(values), name)
    else:
        source = "histograms.csv, from the buckets; run with workload.request_log=true for exact values"
        if histograms is not None:
            histogram_cdfs(ax, histograms, ["ttft", "load_time", "queue_wait"])
    finish_cdf(ax, "time per request")
    figures.save(fig, "ttft_cdf.png", "Time to first token",
                 f"Cumulative distributions over requests of the time to first token, the KV load time and the "
                 f"queueing before prefill ({source}). Zero times are left out of the log axis.")
    tiers = tiers_of(df, "_hit_ratio_blocks")
    tier_hits(figures, row, tiers, "Where prompt tokens came from",
              "The share of all prompt blocks and tokens served from each tier's cached prefix; the rest was computed. "
              f"Overall: {human(float(row['hit_ratio_tokens']))} of tokens.",
              [("_hit_ratio_blocks", "blocks"), ("_hit_ratio_tokens", "tokens")])
    links = links_of(df)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(len(links)), [float(row[l + "_utilization"]) for l in links])
    ax.set_xticks(range(len(links)))
    ax.set_xticklabels(links, rotation=30)
    ax.set_ylabel("utilization")
    ax.set_ylim(0, 1.02)
    ax.grid(True, axis="y", alpha=0.3)
    figures.save(fig, "link_utilization.png", "Link utilization",
                 "The share of the run each link had a transfer in service (averaged over instances).")


def kv_sweep(figures, df, params):
    varied = [p for p in params if df[p].nunique() >= 2]
    for p in varied:
        others = [q for q in varied if q != p]
        other = others[0] if others else None
        fig, axes = plt.subplots(1, 3, figsize=(15, 4))
        lines_against(axes[0], df, p, other, "ttft_p50_us")
        axes[0].set_ylabel("TTFT p50")
        lines_against(axes[1], df, p, other, "ttft_p99_us")
        axes[1].set_ylabel("TTFT p99")
        for ax in axes[:2]:
            time_axis(ax, "y")
        lines_against(axes[2], df, p, other, "total_cost_usd" if "total_cost_usd" in df.columns else "hit_ratio_tokens")
        axes[2].set_ylabel("total cost (USD)" if "total_cost_usd" in df.columns else "token hit ratio")
        figures.save(fig, f"ttft_cost_vs_{safe(p)}.png", f"TTFT and cost against {label(p)}",
                     f"Median and 99th-percentile time to first token, and the run's storage and request cost, as "
                     f"{label(p)} varies" + (f", one line per {label(other)}." if other else "."))
        tiers = tiers_of(df, "_hit_ratio_tokens")
        means = df.groupby(p, sort=False)[[t + "_hit_ratio_tokens" for t in tiers]].mean().reindex(ordered_values(df[p]))
        fig, ax = plt.subplots(figsize=(7, 4))
        bottom = [0.0] * len(means)
        for t in tiers:
            values = means[t + "_hit_ratio_tokens"].tolist()
            ax.bar(range(len(means)), values, bottom=bottom, label=t)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(range(len(means)))
        ax.set_xticklabels([str(v) for v in means.index], rotation=30)
        ax.set_xlabel(label(p))
        ax.set_ylabel("share of prompt tokens")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
        figures.save(fig, f"hit_ratio_by_tier_vs_{safe(p)}.png", f"Where tokens came from, against {label(p)}",
                     "The share of prompt tokens served by each tier, stacked; the rest was computed.")
    if len(varied) >= 2:
        heatmap(figures, df, varied[0], varied[1], "ttft_p50_us", f"heatmap_ttft_{safe(varied[0])}_x_{safe(varied[1])}.png",
                "Median time to first token", f"Median time to first token by {label(varied[0])} and {label(varied[1])} (darker: slower).",
                "TTFT p50 (us)", lambda v: human(v / 1000) + " ms")


# ---------------------------------------------------------------- cache, mrc, calibration

def cache_folder(figures, df):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    by_bytes = df["capacity_objects"].eq(0).all() and "capacity_bytes" in df.columns
    x = "capacity_bytes" if by_bytes else "capacity_objects"
    for policy in dict.fromkeys(df["policy"]):
        sub = df[df["policy"] == policy].sort_values(x)
        ax.plot(sub[x], sub["miss_ratio"], marker="o", label=policy)
    ax.set_xscale("log")
    ax.set_xlabel("capacity (bytes)" if by_bytes else "capacity (objects)")
    ax.set_ylabel("miss ratio")
    ax.set_ylim(0, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    figures.save(fig, "miss_ratio.png", "Miss ratio by policy and capacity",
                 "Counting-only replay of the trace through one cache per policy and capacity (tiersim cache).")


def mrc_folder(figures, curves):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (tier, l1), sub in curves.groupby(["tier", "l1_capacity_objects"], sort=False):
        name = "single LRU tier" if tier == "single" else f"tier below an LRU first tier of {human(l1)}"
        ax.plot(sub["capacity_objects"], sub["miss_ratio"], label=name)
    ax.set_xscale("log")
    ax.set_xlabel("capacity (objects)")
    ax.set_ylabel("miss ratio")
    ax.set_ylim(0, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    figures.save(fig, "mrc.png", "Miss-ratio curves",
                 "Exact LRU miss ratio at every capacity (stack distances), and for each --l1 size the curve of the "
                 "tier below it, whose lookups are the first tier's misses.")


# ---------------------------------------------------------------- the report

def table_columns(df, params):
    wanted = ["point"] + params + ["name", "policy", "capacity_objects", "miss_ratio", "seed", "hit_ratio_tokens",
                                   "ttft_p50_us", "ttft_p99_us", "total_cost_usd", "stall_fraction",
                                   "step_time_mean_us", "step_time_p99_us", "sim_time_s"]
    hit = next((c for c in df.columns if c.endswith("_hit_ratio")), None)
    if hit:
        wanted.insert(wanted.index("stall_fraction"), hit)
    return [c for c in dict.fromkeys(wanted) if c in df.columns]


def report(directory, title, summary, figures, df, params):
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>" + html.escape(title) + "</title>",
             "<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:100%}"
             "figcaption{color:#444;margin-bottom:2em}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(summary)}</p>"]
    for name, heading, caption in figures.items:
        with open(os.path.join(directory, name), "rb") as f:
            data = base64.b64encode(f.read()).decode()
        parts.append(f"<h2>{html.escape(heading)}</h2><figure><img alt='{html.escape(heading)}' "
                     f"src='data:image/png;base64,{data}'><figcaption>{html.escape(caption)} ({html.escape(name)})"
                     "</figcaption></figure>")
    if df is not None and len(df):
        columns = table_columns(df, params)
        parts.append("<h2>Results</h2><table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>")
        for _, r in df[columns].head(1000).iterrows():
            parts.append("<tr>" + "".join(f"<td>{html.escape(human(r[c]))}</td>" for c in columns) + "</tr>")
        parts.append("</table>")
        if len(df) > 1000:
            parts.append(f"<p>(the first 1,000 of {len(df):,} rows; every row is in the CSV)</p>")
    parts.append("</body></html>\n")
    with open(os.path.join(directory, "report.html"), "w") as f:
        f.write("\n".join(parts))


def main(argv):
    if len(argv) != 2:
        print("usage: plot.py DIR (a results folder of tiersim run, sweep, cache, mrc or calibrate)", file=sys.stderr)
        return 1
    directory = argv[1]
    figures = Figures(directory)
    df, params = None, []
    results = os.path.join(directory, "results.csv")
    if os.path.exists(os.path.join(directory, "profile.json")) and os.path.exists(os.path.join(directory, "measurements.csv")):
        plot_calibration.main(directory)
        figures.items.append(("calibration.png", "Calibration", "Measured transfer times (median, min-max bars) against "
                              "size for every queue depth and concurrency, with the profile's fitted lines."))
        title, summary = "tiersim calibration", os.path.abspath(directory)
    elif os.path.exists(os.path.join(directory, "mrc.csv")) and not os.path.exists(results):
        curves = pd.read_csv(os.path.join(directory, "mrc.csv"))
        mrc_folder(figures, curves)
        title = "tiersim miss-ratio curves"
        summary = f"{human(int(curves['lookups'].iloc[0]))} lookups; capacities 1 to {human(int(curves['capacity_objects'].max()))}"
    elif os.path.exists(results):
        df = pd.read_csv(results, keep_default_na=False)
        if df.empty:
            print(f"plot: error: {results}: has no rows", file=sys.stderr)
            return 2
        params = swept_parameters(df)
        if "policy" in df.columns and "miss_ratio" in df.columns:
            cache_folder(figures, df)
            title, summary = "tiersim cache replay", f"{len(df):,} policy x capacity runs"
        elif "ttft_p50_us" in df.columns:
            if params:
                kv_sweep(figures, df, params)
            else:
                kv_run(figures, df, directory)
            title = "tiersim KV-cache " + ("sweep" if params else "run")
            summary = f"{len(df):,} points; swept: {', '.join(params)}" if params else f"run {df.iloc[0]['name']}"
        elif "stall_fraction" in df.columns:
            if params:
                expert_sweep(figures, df, params)
            else:
                expert_run(figures, df, directory)
            title = "tiersim expert replay " + ("sweep" if params else "run")
            summary = f"{len(df):,} points; swept: {', '.join(params)}" if params else f"run {df.iloc[0]['name']}"
        else:
            print(f"plot: error: {results}: not a results file tiersim plot knows (no stall_fraction, ttft or miss_ratio "
                  "column)", file=sys.stderr)
            return 2
    else:
        print(f"plot: error: {directory}: holds no results.csv, mrc.csv or calibration (profile.json)", file=sys.stderr)
        return 2
    report(directory, title, summary, figures, df, params)
    for name, _, _ in figures.items:
        print(os.path.join(directory, name))
    print(os.path.join(directory, "report.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
