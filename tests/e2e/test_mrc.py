"""End-to-end: `tiersim mrc` curves equal individual runs: the single-cache curve equals
`tiersim cache --policy lru` at every capacity, and the second-tier curve equals the DRAM
hits of `tiersim run` on a GPU/DRAM/disk hierarchy in inference mode."""
import csv
import json
import os
import unittest

from tiersim_cli import ROOT, read_row, run, temp_dir

BENCH_CACHE = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")


def read_curve(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class MissRatioCurves(unittest.TestCase):
    def test_single_curve_equals_lru_runs_at_every_capacity(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.oracleGeneral")
            run("trace", "gen", "--sampler", "zipf", "--n-experts", "400", "--experts-per-step", "3",
                "--steps", "3000", "--zipf-alpha", "0.7", "--n-layers", "2", "--seed", "5",
                "--format", "oracleGeneral", "-o", trace)
            run("mrc", trace, "--out", os.path.join(tmp, "mrc"))
            rows = [r for r in read_curve(os.path.join(tmp, "mrc", "mrc.csv")) if r["tier"] == "single"]
            sizes = [int(r["capacity_objects"]) for r in rows]
            self.assertEqual(sizes, list(range(1, len(sizes) + 1)))
            self.assertGreater(len(sizes), 100)
            run("cache", trace, "--policy", "lru", "--size", ",".join(map(str, sizes)), "--out", os.path.join(tmp, "c"))
            with open(os.path.join(tmp, "c", "results.csv"), newline="") as f:
                individual = {int(r["capacity_objects"]): int(r["misses"]) for r in csv.DictReader(f)}
            for r in rows:
                self.assertEqual(int(r["misses"]), individual[int(r["capacity_objects"])], r)
            # Past the largest useful capacity only cold misses remain: the last row says so.
            distinct = json.loads(run("trace", "stats", trace, "--json").stdout)["objects"]
            self.assertEqual(int(rows[-1]["misses"]), distinct)

    def test_second_tier_curve_equals_dram_hits_of_runs(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--sampler", "episode", "--n-experts", "512", "--experts-per-step", "4",
                "--episode-len", "20", "--steps", "1500", "--noise", "0.1", "--seed", "2", "-o", trace)
            run("mrc", trace, "--l1", "8,24", "--out", os.path.join(tmp, "mrc"))
            curve = {(int(r["l1_capacity_objects"]), int(r["capacity_objects"])): r
                     for r in read_curve(os.path.join(tmp, "mrc", "mrc.csv")) if r["tier"] == "second"}
            checked = 0
            for gpu, cpu in ((8, 1), (8, 40), (8, 100), (24, 16), (24, 64), (24, 300)):
                out = os.path.join(tmp, f"run-{gpu}-{cpu}")
                with open(BENCH_CACHE) as f:
                    config = json.load(f)
                config["workload"].pop("generator")
                config["workload"].update(trace=trace, mode="inference")
                config["tiers"][0]["capacity"], config["tiers"][1]["capacity"] = gpu, cpu
                path = os.path.join(tmp, f"config-{gpu}-{cpu}.json")
                with open(path, "w") as f:
                    json.dump(config, f)
                run("run", path, "--out", out, "--quiet")
                row = read_row(os.path.join(out, "results.csv"))
                key = (gpu, min(cpu, max(c for g, c in curve if g == gpu)))
                lookups = int(curve[key]["lookups"])
                self.assertEqual(int(row["cpu_hits"]) + int(row["cpu_misses"]), lookups)
                self.assertEqual(int(row["cpu_misses"]), int(curve[key]["misses"]), (gpu, cpu))
                checked += 1
            self.assertEqual(checked, 6)


if __name__ == "__main__":
    unittest.main()
