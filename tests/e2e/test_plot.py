# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""End-to-end: `tiersim plot` on every kind of results folder (expert replay run and sweep,
KV-cache run and sweep, cache, mrc, calibration) writes figures that are drawn on, each
with a heading and a caption in a self-contained report.html whose numbers are written
for people."""
import json
import os
import re
import shutil
import subprocess
import unittest

from tiersim_cli import ROOT, quick_sweep, read_config, run, temp_dir

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
CONFIGS = os.path.join(ROOT, "configs")

PIXEL_CHECK = r"""
import sys
import matplotlib.image as mpimg
for path in sys.argv[1:]:
    img = mpimg.imread(path)[:, :, :3]
    # share of pixels that are not background white, and how many distinct colours
    ink = (img.sum(axis=2) < 2.9).mean()
    colours = len({tuple(p) for p in (img[::7, ::7].reshape(-1, 3) * 255).astype(int).tolist()})
    print(path, ink, colours)
"""


class Plot(unittest.TestCase):
    def plotted(self, folder, expected):
        """Plots `folder`; checks the figures are `expected`, drawn on, and in the report with captions."""
        p = run("plot", folder)
        figures = [line for line in p.stdout.splitlines() if line.endswith(".png") and not line.startswith("plot:")]
        self.assertEqual(sorted(os.path.basename(f) for f in figures), sorted(expected))
        check = subprocess.run([PYTHON, "-c", PIXEL_CHECK, *figures], capture_output=True, text=True, check=True)
        for line in check.stdout.splitlines():
            name, ink, colours = line.rsplit(" ", 2)
            self.assertGreater(float(ink), 0.03, name)  # drawn on, not an empty canvas
            self.assertGreater(int(colours), 8, name)
        with open(os.path.join(folder, "report.html")) as f:
            page = f.read()
        self.assertEqual(page.count("<img "), len(expected))
        self.assertEqual(page.count("src='data:image/png;base64,"), len(expected))  # self-contained
        self.assertEqual(page.count("<figcaption>"), len(expected))
        headings = re.findall(r"<h2>([^<]*)</h2>", page)
        for heading in headings:
            self.assertFalse(heading.endswith(".png"), heading)  # headings say what a figure shows
        self.assertNotIn("http", page.split("<h1>")[1].split("<table>")[0].replace(folder, ""))
        return page

    def assert_human_numbers(self, page):
        cells = re.findall(r"<td>([^<]*)</td>", page)
        self.assertTrue(cells)
        for cell in cells:
            self.assertIsNone(re.fullmatch(r"-?\d+\.0", cell), cell)  # 8 slots, not 8.0
            self.assertIsNone(re.search(r"\.\d{5,}", cell), cell)  # no ratios to 16 digits

    def test_expert_replay_sweep(self):
        with temp_dir() as tmp:
            path = quick_sweep(tmp)
            out = os.path.join(tmp, "out")
            run("sweep", path, "--out", out, "--quiet", cwd=ROOT)
            page = self.plotted(out, ["hit_stall_vs_tiers_gpu_capacity.png", "hit_stall_vs_tiers_cpu_capacity.png",
                                      "heatmap_tiers_gpu_capacity_x_tiers_cpu_capacity.png", "step_breakdown.png",
                                      "fetch_latency_vs_tiers_gpu_capacity.png"])
            self.assertEqual(page.count("<tr>"), 1 + 20)  # header and every point
            self.assert_human_numbers(page)

    def test_expert_replay_run_with_its_time_series_and_histograms(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "run")
            run("run", os.path.join(CONFIGS, "warm_tier_prefetch.json"), "--set", "workload.generator.steps=300", "--out", out,
                "--quiet")
            with open(os.path.join(out, "histograms.csv")) as f:
                rows = f.read().splitlines()
            self.assertEqual(rows[0], "histogram,unit,lower,upper,count")
            names = {r.split(",")[0] for r in rows[1:]}
            self.assertIn("step_time", names)
            self.assertIn("move_fetch", names)
            steps = sum(int(r.split(",")[4]) for r in rows[1:] if r.startswith("step_time,"))
            self.assertEqual(steps, 300)  # every step is in its histogram's buckets
            page = self.plotted(out, ["step_breakdown.png", "hit_ratio_by_tier.png", "latency_cdf.png", "timeseries.png"])
            self.assert_human_numbers(page)

    def test_kv_cache_run_from_requests_and_from_histograms(self):
        with temp_dir() as tmp:
            config = os.path.join(CONFIGS, "kv_synthetic_chat.json")
            logged = os.path.join(tmp, "logged")
            run("run", config, "--set", "workload.generator.requests=400", "--set", "workload.request_log=true", "--out",
                logged, "--quiet")
            page = self.plotted(logged, ["ttft_cdf.png", "hit_ratio_by_tier.png", "link_utilization.png"])
            self.assertIn("requests.csv, exact", page)
            plain = os.path.join(tmp, "plain")
            run("run", config, "--set", "workload.generator.requests=400", "--out", plain, "--quiet")
            self.assertFalse(os.path.exists(os.path.join(plain, "requests.csv")))
            with open(os.path.join(plain, "histograms.csv")) as f:
                ttft = [r for r in f.read().splitlines() if r.startswith("ttft,")]
            self.assertEqual(sum(int(r.split(",")[4]) for r in ttft), 400)
            page = self.plotted(plain, ["ttft_cdf.png", "hit_ratio_by_tier.png", "link_utilization.png"])
            self.assertIn("histograms.csv, from the buckets", page)

    def test_kv_cache_sweep(self):
        with temp_dir() as tmp:
            sweep = {"base": os.path.join(CONFIGS, "kv_synthetic_chat.json"), "set": {"workload.generator.requests": 300},
                     "grid": {"workload.chunk_tokens": [16, 64, 256], "tiers.s3.compression.ratio": [1, 3.5]}}
            path = os.path.join(tmp, "kv.json")
            with open(path, "w") as f:
                json.dump(sweep, f)
            out = os.path.join(tmp, "out")
            run("sweep", path, "--out", out, "--quiet")
            page = self.plotted(out, ["ttft_cost_vs_workload_chunk_tokens.png", "ttft_cost_vs_tiers_s3_compression_ratio.png",
                                      "hit_ratio_by_tier_vs_workload_chunk_tokens.png",
                                      "hit_ratio_by_tier_vs_tiers_s3_compression_ratio.png",
                                      "heatmap_ttft_workload_chunk_tokens_x_tiers_s3_compression_ratio.png"])
            self.assertEqual(page.count("<tr>"), 1 + 6)
            self.assert_human_numbers(page)

    def test_cache_and_mrc_folders(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.oracleGeneral")
            run("trace", "gen", "--sampler", "zipf", "--n-experts", "2000", "--experts-per-step", "1", "--steps", "20000",
                "--format", "oracleGeneral", "-o", trace)
            cache = os.path.join(tmp, "cache")
            run("cache", trace, "--policy", "lru,arc,fifo", "--size", "10,100,1000", "--out", cache)
            self.assert_human_numbers(self.plotted(cache, ["miss_ratio.png"]))
            mrc = os.path.join(tmp, "mrc")
            run("mrc", trace, "--l1", "10", "--out", mrc)
            self.plotted(mrc, ["mrc.png"])

    def test_calibration_folder(self):
        with temp_dir() as tmp:
            folder = os.path.join(tmp, "h100")
            shutil.copytree(os.path.join(CONFIGS, "hardware", "h100_80gb_hbm3_vm"), folder)
            self.plotted(folder, ["calibration.png"])

    def test_a_folder_without_results_is_an_error(self):
        with temp_dir() as tmp:
            p = run("plot", tmp, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("holds no results.csv, mrc.csv or profile.json", p.stderr)


if __name__ == "__main__":
    unittest.main()
