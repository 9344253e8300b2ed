"""End-to-end: `tiersim plot` turns a real sweep's CSV into figures that are not blank and
a self-contained report.html."""
import os
import subprocess
import unittest

from tiersim_cli import ROOT, quick_sweep, run, temp_dir

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"

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
    def test_sweep_report_has_real_figures(self):
        with temp_dir() as tmp:
            path = quick_sweep(tmp)
            out = os.path.join(tmp, "out")
            run("sweep", path, "--out", out, "--quiet", cwd=ROOT)
            p = run("plot", out)
            figures = [line for line in p.stdout.splitlines() if line.endswith(".png")]
            names = sorted(os.path.basename(f) for f in figures)
            self.assertEqual(names, sorted([
                "hit_stall_vs_tiers_gpu_capacity.png", "hit_stall_vs_tiers_cpu_capacity.png",
                "heatmap_tiers_gpu_capacity_x_tiers_cpu_capacity.png", "step_breakdown.png", "latency_cdf.png"]))
            check = subprocess.run([PYTHON, "-c", PIXEL_CHECK, *figures], capture_output=True, text=True, check=True)
            for line in check.stdout.splitlines():
                name, ink, colours = line.rsplit(" ", 2)
                self.assertGreater(float(ink), 0.03, name)  # drawn on, not an empty canvas
                self.assertGreater(int(colours), 8, name)
            with open(os.path.join(out, "report.html")) as f:
                page = f.read()
            self.assertEqual(page.count("<img "), 5)
            self.assertEqual(page.count("src='data:image/png;base64,"), 5)  # self-contained
            self.assertEqual(page.count("<tr>"), 1 + 20)  # header and every point
            self.assertNotIn("http", page.split("<h1>")[1].split("<table>")[0].replace(out, ""))

    def test_a_single_run_gets_its_breakdown(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "run")
            run("run", os.path.join(ROOT, "configs", "bench_cache_quickstart.json"), "--out", out, "--quiet", cwd=ROOT)
            p = run("plot", out)
            self.assertIn("step_breakdown.png", p.stdout)
            self.assertTrue(os.path.exists(os.path.join(out, "report.html")))

    def test_missing_results_are_an_error(self):
        with temp_dir() as tmp:
            p = run("plot", tmp, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("results.csv: no such file", p.stderr)


if __name__ == "__main__":
    unittest.main()
