"""Parity with the MoE prototype's bench_cache: traces from `tiersim trace gen` replayed by `tiersim bench-cache
--trace` give the same counters, counter for counter, as the independent model in
tests/reference/bench_cache_model.py — over samplers, cache sizes, inference and training."""
import os
import unittest

from tiersim_cli import read_row, run, temp_dir
import bench_cache_model

COUNTERS = ["gpu_cache_hit", "gpu_cache_miss", "cpu_cache_hit", "cpu_cache_miss", "disk_read_ops",
            "disk_write_ops", "h2d_load", "d2h_writeback", "dirty_gpu_at_end", "dirty_cpu_at_end",
            "flush_d2h_writeback", "flush_disk_write_ops"]

TRACES = [
    # (sampler, extra generator flags)
    ("episode", ["--n-experts", 512, "--experts-per-step", 4, "--episode-len", 10, "--steps", 1500]),
    ("markov", ["--n-experts", 256, "--experts-per-step", 3, "--p-stay", 0.8, "--steps", 1500, "--n-layers", 2]),
    ("uniform", ["--n-experts", 48, "--experts-per-step", 3, "--steps", 1200]),
    ("env", ["--n-experts", 128, "--experts-per-step", 2, "--n-envs", 16, "--envs-per-batch", 2, "--steps", 1200]),
    ("zipf", ["--n-experts", 200, "--experts-per-step", 4, "--zipf-alpha", 0.9, "--steps", 1200, "--n-layers", 2]),
    ("episode", ["--n-experts", 64, "--experts-per-step", 4, "--episode-len", 3, "--noise", 0.3, "--steps", 1500,
                 "--n-layers", 3]),
]
SIZES = [(8, 8), (8, 32), (16, 64), (24, 12)]


class BenchCacheParity(unittest.TestCase):
    def test_counters_match_independent_model(self):
        compared = 0
        with temp_dir() as tmp:
            for t, (sampler, flags) in enumerate(TRACES):
                trace = os.path.join(tmp, f"trace{t}.csv")
                run("trace", "gen", "--sampler", sampler, "--seed", 10 + t, *flags, "-o", trace)
                accesses = bench_cache_model.read_csv_trace(trace)
                for gpu, cpu in SIZES:
                    for mode in ("inference", "training"):
                        try:
                            expected = bench_cache_model.simulate(accesses, gpu, cpu, mode == "training")
                        except bench_cache_model.StepTooLarge:
                            p = run("bench-cache", "--trace", trace, "--gpu_slots", gpu, "--cpu_cache", cpu,
                                    "--mode", mode, "--out", os.path.join(tmp, "x"), check=False)
                            self.assertEqual(p.returncode, 2, p.stderr)
                            self.assertIn("distinct experts", p.stderr)
                            continue
                        out = os.path.join(tmp, f"r{t}_{gpu}_{cpu}_{mode}")
                        run("bench-cache", "--trace", trace, "--gpu_slots", gpu, "--cpu_cache", cpu,
                            "--mode", mode, "--out", out, "--quiet")
                        row = read_row(os.path.join(out, "results.csv"))
                        with self.subTest(sampler=sampler, trace=t, gpu=gpu, cpu=cpu, mode=mode):
                            for name in COUNTERS:
                                self.assertEqual(int(row[name]), expected[name], name)
                        compared += 1
        self.assertGreater(compared, 30)

    def test_inference_never_writes(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--sampler", "episode", "--n-experts", 256, "--steps", 500, "-o", trace)
            run("bench-cache", "--trace", trace, "--mode", "inference", "--out", tmp, "--quiet")
            row = read_row(os.path.join(tmp, "results.csv"))
            for name in ("d2h_writeback", "disk_write_ops", "dirty_gpu_at_end"):
                self.assertEqual(int(row[name]), 0)
            self.assertGreater(int(row["h2d_load"]), 0)

    def test_step_larger_than_gpu_is_an_error(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--sampler", "uniform", "--n-experts", 100, "--experts-per-step", 20,
                "--steps", 5, "-o", trace)
            p = run("bench-cache", "--trace", trace, "--gpu_slots", 8, "--out", os.path.join(tmp, "o"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("step 0 uses 20 distinct experts", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "o", "results.csv")))


if __name__ == "__main__":
    unittest.main()
