"""End-to-end: `tiersim sweep` and `tiersim merge`: the same CSV whatever --jobs is,
resumption after SIGKILL, shards merged into the unsharded CSV, and bad input."""
import csv
import json
import os
import signal
import subprocess
import time
import unittest

from tiersim_cli import ROOT, TIERSIM, run, temp_dir

BENCH_CACHE = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")


def sweep_file(tmp, name="s.json", **changes):
    sweep = {
        "name": "gpu_x_cpu",
        "base": BENCH_CACHE,
        "set": {"workload.generator.steps": 150, "workload.mode": "inference"},
        "grid": {"tiers.gpu.capacity": [8, 16, 32], "tiers.cpu.capacity": [32, 128]},
        "zip": {"workload.generator.episode_len": [10, 50], "links.h2d.bandwidth": ["8 GB/s", "25 GB/s"]},
        "repeats": 2,
    }
    sweep.update(changes)
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(sweep, f)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Sweep(unittest.TestCase):
    def test_dry_run_lists_points_in_order(self):
        with temp_dir() as tmp:
            p = run("sweep", sweep_file(tmp), "--dry-run")
            lines = p.stdout.splitlines()
            self.assertEqual(lines[-1], "24 points")
            self.assertTrue(lines[0].startswith("0 tiers.gpu.capacity=8 tiers.cpu.capacity=32 "
                                                "workload.generator.episode_len=10 links.h2d.bandwidth=8 GB/s seed="))
            self.assertIn("23 tiers.gpu.capacity=32 tiers.cpu.capacity=128 workload.generator.episode_len=50", lines[23])
            self.assertEqual(run("sweep", sweep_file(tmp), "--dry-run", "--shard", "2/5").stdout.splitlines()[-1],
                             "5 points")

    def test_results_are_identical_whatever_the_jobs(self):
        with temp_dir() as tmp:
            s = sweep_file(tmp)
            run("sweep", s, "--out", os.path.join(tmp, "one"), "--jobs", "1", "--quiet")
            run("sweep", s, "--out", os.path.join(tmp, "two"), "--jobs", "2", "--quiet")
            one = read(os.path.join(tmp, "one", "results.csv"))
            self.assertEqual(one, read(os.path.join(tmp, "two", "results.csv")))
            with open(os.path.join(tmp, "one", "results.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([int(r["point"]) for r in rows], list(range(24)))
            for column in ("tiers.gpu.capacity", "links.h2d.bandwidth", "seed", "git_revision", "tiersim_version",
                           "config_hash", "gpu_hit_ratio", "stall_fraction"):
                self.assertIn(column, rows[0])
            self.assertEqual(rows[3]["links.h2d.bandwidth"], "25 GB/s")
            self.assertNotEqual(rows[0]["seed"], rows[1]["seed"])  # repeats get derived seeds
            self.assertEqual(rows[0]["seed"], rows[2]["seed"])
            # Each row equals a single run of the same point.
            with open(BENCH_CACHE) as f:
                config = json.load(f)
            config["workload"]["generator"].update(steps=150, episode_len=50)
            config["workload"]["mode"] = "inference"
            config["tiers"][0]["capacity"], config["tiers"][1]["capacity"] = 16, 128
            config["links"][0]["bandwidth"] = "25 GB/s"
            path = os.path.join(tmp, "point.json")
            with open(path, "w") as f:
                json.dump(config, f)
            run("run", path, "--out", os.path.join(tmp, "single"), "--quiet")
            with open(os.path.join(tmp, "single", "results.csv"), newline="") as f:
                single = next(csv.DictReader(f))
            point = rows[3 * 4 + 2]  # gpu 16 (grid 1), cpu 128 (grid 1), zip row 1, repeat 0
            for key in ("gpu_hits", "cpu_misses", "sim_time_s", "config_hash"):
                self.assertEqual(point[key], single[key], key)

    def test_sigkill_then_resume_gives_the_uninterrupted_csv(self):
        with temp_dir() as tmp:
            s = sweep_file(tmp, repeats=40, set={"workload.generator.steps": 400, "workload.mode": "inference"})
            whole = os.path.join(tmp, "whole")
            run("sweep", s, "--out", whole, "--jobs", "2", "--quiet")
            cut = os.path.join(tmp, "cut")
            proc = subprocess.Popen([TIERSIM, "sweep", s, "--out", cut, "--jobs", "2", "--quiet"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            state = os.path.join(cut, ".sweep")
            deadline = time.time() + 60
            while time.time() < deadline:
                lines = 0
                if os.path.isdir(state):
                    for name in os.listdir(state):
                        if name[0].isdigit():
                            with open(os.path.join(state, name)) as f:
                                lines += f.read().count("\n")
                if lines >= 100:
                    break
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.assertFalse(os.path.exists(os.path.join(cut, "results.csv")), "killed before the end")
            p = run("sweep", s, "--out", cut, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--resume", p.stderr)
            run("sweep", s, "--out", cut, "--resume", "--jobs", "2", "--quiet")
            self.assertEqual(read(os.path.join(whole, "results.csv")), read(os.path.join(cut, "results.csv")))

    def test_shards_merge_into_the_unsharded_csv(self):
        with temp_dir() as tmp:
            s = sweep_file(tmp)
            run("sweep", s, "--out", os.path.join(tmp, "all"), "--quiet")
            dirs = []
            for k in (1, 2, 3):
                d = os.path.join(tmp, f"shard{k}")
                run("sweep", s, "--out", d, "--shard", f"{k}/3", "--quiet")
                dirs.append(d)
            with open(os.path.join(dirs[1], "results.csv")) as f:
                self.assertEqual(len(f.read().splitlines()), 1 + 8)
            p = run("merge", dirs[0], dirs[1], "--out", os.path.join(tmp, "partial"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("shard 3/3 is missing", p.stderr)
            run("merge", *dirs, "--out", os.path.join(tmp, "merged"))
            self.assertEqual(read(os.path.join(tmp, "all", "results.csv")),
                             read(os.path.join(tmp, "merged", "results.csv")))
            other = sweep_file(tmp, "other.json", repeats=1)
            run("sweep", other, "--out", os.path.join(tmp, "other"), "--shard", "3/3", "--quiet")
            p = run("merge", dirs[0], dirs[1], os.path.join(tmp, "other"), "--out", os.path.join(tmp, "bad"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("another sweep", p.stderr)

    def test_a_failing_point_is_reported_and_the_others_run(self):
        with temp_dir() as tmp:
            # 4 experts per step cannot fit 2 GPU slots: those points fail when they run.
            s = sweep_file(tmp, grid={"tiers.gpu.capacity": [2, 16]}, zip={}, repeats=1)
            out = os.path.join(tmp, "out")
            p = run("sweep", s, "--out", out, "--quiet", check=False)
            self.assertEqual(p.returncode, 5)
            self.assertIn("point 0 failed", p.stderr)
            self.assertIn("holds only 2", p.stderr)
            with open(os.path.join(out, "results.csv")) as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([r["point"] for r in rows], ["1"])

    def test_bad_sweeps_are_refused_before_anything_runs(self):
        with temp_dir() as tmp:
            cases = [
                (dict(grid={"tiers.gpu.capacity": []}), 'grid."tiers.gpu.capacity": expected a non-empty list'),
                (dict(grid={"tiers.gpu.capacityy": [4]}), 'grid."tiers.gpu.capacityy"[0]'),
                (dict(grid={"tiers.gpu.capacity": [8, "lots"]}), 'grid."tiers.gpu.capacity"[1] = "lots"'),
                (dict(zip={"tiers.gpu.capacity": [8, 16], "tiers.cpu.capacity": [64]}), "equal lengths"),
                (dict(repeats=0), "repeats: expected a positive integer"),
                (dict(base=os.path.join(tmp, "missing.json")), "missing.json"),
                (dict(bogus=1), 'bogus: unknown key'),
                (dict(set={"workload.mode": "sometimes"}), "workload.mode"),
            ]
            for changes, words in cases:
                out = os.path.join(tmp, "out")
                p = run("sweep", sweep_file(tmp, **changes), "--out", out, check=False)
                self.assertEqual(p.returncode, 2, (changes, p.stderr))
                self.assertIn(words, p.stderr, changes)
                self.assertFalse(os.path.exists(out), changes)
            for shard in ("3/2", "0/0", "1", "a/b", "0/3"):
                p = run("sweep", sweep_file(tmp), "--out", os.path.join(tmp, "o"), "--shard", shard, check=False)
                self.assertEqual(p.returncode, 2, shard)
                self.assertIn("--shard: expected K/N", p.stderr)

    def test_an_output_folder_of_another_sweep_is_kept_unless_forced(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "out")
            run("sweep", sweep_file(tmp, repeats=1), "--out", out, "--quiet")
            before = read(os.path.join(out, "results.csv"))
            p = run("sweep", sweep_file(tmp, "b.json", repeats=3), "--out", out, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("holds the results of another sweep", p.stderr)
            self.assertEqual(read(os.path.join(out, "results.csv")), before)
            run("sweep", sweep_file(tmp, "b.json", repeats=3), "--out", out, "--force", "--quiet")
            with open(os.path.join(out, "results.csv")) as f:
                self.assertEqual(len(f.read().splitlines()), 1 + 36)


if __name__ == "__main__":
    unittest.main()
