# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""End-to-end: load or recompute. With load_policy "when_faster" (the default) a KV-cache
request loads the longest cached prefix whose load ends before recomputing it would and
recomputes the rest; with "always" it loads whatever any tier holds. Hand-computed cases,
and on every shipped KV config, caching never raises TTFT mean or p99 against the same
trace with no reuse at all."""
import json
import os
import subprocess
import unittest

from test_kv_serving import CASES, requests
from tiersim_cli import ROOT, read_config, read_row, run, run_config, temp_dir

POOL = os.path.join(ROOT, "tests", "data", "kv", "pool_cases.json")
SHIPPED = [os.path.join(ROOT, "configs", n + ".json") for n in ("kv_mooncake_4tier", "kv_pooled_pd", "kv_synthetic_chat")]


def when_faster(config, out):
    run("run", config, "--set", 'workload.load_policy="when_faster"', "--out", out, "--quiet")
    return read_row(os.path.join(out, "results.csv")), requests(out)


class HandComputed(unittest.TestCase):
    """100-token chunks over a 0.1 GB/s link (1 ms a chunk), 4 layers, prefill 1 ms + 10 us
    a token: loading k of 4 cached chunks ends at max(k + P/4, k/4 + P) ms with P = 1 +
    0.01 (400 - 100 k) ms: 5, 4.25, 3.5, 3.5 and 4.2525 ms for k = 0 to 4."""

    def test_a_full_hit_from_dram_loads_three_chunks_and_recomputes_one(self):
        with temp_dir() as d:
            row, rows = when_faster(CASES, d)
            # Two misses, the load-bound half hit (its whole prefix), a full hit in HBM, and
            # the full hit from DRAM, which is faster with its last chunk recomputed.
            self.assertEqual([float(r["ttft_us"]) for r in rows], [5000, 5000, 3500, 1010, 3500])
            self.assertEqual([int(r["cached_tokens"]) for r in rows], [0, 0, 200, 400, 300])
            self.assertEqual(int(row["recomputed_chunks"]), 1)
            self.assertEqual(int(row["dram_recomputed_chunks"]), 1)
            self.assertEqual(int(row["dram_loaded_chunks"]), 5)
            self.assertEqual(int(row["hbm_loaded_chunks"]), 4)
            self.assertEqual(row["load_policy"], "when_faster")
            self.assertAlmostEqual(float(row["ttft_saved_estimate_mean_us"]), (4252.5 - 3500) / 5)

    def test_always_loads_everything(self):
        with temp_dir() as d:
            run("run", CASES, "--out", d, "--quiet")  # the cases pin "always"
            row = read_row(os.path.join(d, "results.csv"))
            self.assertEqual(row["load_policy"], "always")
            self.assertEqual(int(row["recomputed_chunks"]), 0)
            self.assertEqual([float(r["ttft_us"]) for r in requests(d)][-1], 4252.5)

    def test_a_pool_hit_for_another_worker(self):
        with temp_dir() as d:
            _, rows = when_faster(POOL, d)
            self.assertEqual([float(r["ttft_us"]) for r in rows], [5000, 3500])

    def test_a_bad_policy_lists_the_valid_ones(self):
        with temp_dir() as d:
            p = run("run", CASES, "--set", 'workload.load_policy="sometimes"', "--out", d, check=False)
            self.assertFalse(os.path.exists(os.path.join(d, "results.csv")))
        self.assertEqual(p.returncode, 2)
        self.assertIn("workload.load_policy", p.stderr)
        self.assertIn("when_faster", p.stderr)


def unique_ids(src, dst):
    """The same requests with every block id made unique: no request reuses anything."""
    next_id = 0
    with open(src) as f, open(dst, "w") as out:
        for line in f:
            r = json.loads(line)
            r["hash_ids"] = list(range(next_id, next_id + len(r["hash_ids"])))
            next_id += len(r["hash_ids"])
            out.write(json.dumps(r) + "\n")


class CachingNeverHurts(unittest.TestCase):
    def test_on_every_shipped_kv_config(self):
        with temp_dir() as tmp:
            for config_path in SHIPPED:
                name = os.path.basename(config_path)
                config = read_config(config_path)
                trace = os.path.join(tmp, name + ".jsonl")
                workload = config["workload"]
                if "generator" in workload:
                    run("trace", "gen-kv", config_path, "-o", trace)
                    workload.pop("generator")
                    workload.setdefault("block_tokens", 16)
                else:
                    path = workload["trace"] if isinstance(workload["trace"], str) else workload["trace"]["path"]
                    with open(trace, "w") as f:
                        subprocess.run(["zstd", "-dc", path], stdout=f, check=True)
                unique = os.path.join(tmp, name + ".unique.jsonl")
                unique_ids(trace, unique)
                rows = {}
                for variant, requests_file in (("reuse", trace), ("unique", unique)):
                    workload["trace"] = requests_file
                    path = os.path.join(tmp, f"{name}.{variant}.json")
                    with open(path, "w") as f:
                        json.dump(config, f)
                    out = os.path.join(tmp, f"{name}.{variant}")
                    run("run", path, "--out", out, "--quiet")
                    rows[variant] = read_row(os.path.join(out, "results.csv"))
                self.assertEqual(float(rows["unique"]["hit_ratio_tokens"]), 0.0, name)
                self.assertGreater(float(rows["reuse"]["hit_ratio_tokens"]), 0.3, name)
                for q in ("ttft_mean_us", "ttft_p99_us"):
                    self.assertLessEqual(float(rows["reuse"][q]), float(rows["unique"][q]), (name, q))


class SelectiveStores(unittest.TestCase):
    """write.store_after_hits: a chunk is stored below the first tier only once that many
    requests after the one that computed it have asked for it."""

    def run_variant(self, tmp, trace, name, **write):
        config = read_config(SHIPPED[0])  # kv_mooncake_4tier
        config["workload"]["trace"] = trace
        config["workload"]["max_requests"] = 3000
        config["workload"]["write"].update(write)
        return run_config(tmp, name, config)

    def test_chunks_never_reused_are_never_stored_below(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.jsonl")
            config = read_config(SHIPPED[0])
            with open(trace, "w") as f:
                subprocess.run(["zstd", "-dc", config["workload"]["trace"]], stdout=f, check=True)
            unique = os.path.join(tmp, "u.jsonl")
            unique_ids(trace, unique)
            none = self.run_variant(tmp, unique, "unique", store_after_hits=1)
            self.assertEqual(int(none["nvme_written"]) + int(none["dram_written"]), 0)
            self.assertGreater(int(none["unstored_chunks"]), 0)
            every = self.run_variant(tmp, trace, "every")
            selective = self.run_variant(tmp, trace, "selective", store_after_hits=1)
            self.assertGreater(int(selective["unstored_chunks"]), 0)
            self.assertEqual(int(every["unstored_chunks"]), 0)
            # Writes below fall to a fraction; the price is each chunk's first reuse, which
            # finds it evicted from the first tier and computes it again (then it is kept).
            self.assertLess(int(selective["dram_written"]), int(every["dram_written"]) / 2)
            self.assertEqual(int(selective["s3_written"]), 0)
            self.assertGreater(float(selective["hit_ratio_tokens"]), 0.05)
            self.assertLess(float(selective["hit_ratio_tokens"]), float(every["hit_ratio_tokens"]))


if __name__ == "__main__":
    unittest.main()
