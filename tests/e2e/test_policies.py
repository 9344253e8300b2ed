# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""End-to-end: `tiersim cache` miss counts for every policy against independent Python
models (tests/reference/cache_policies.py), on traces from several samplers, read as
csv and as oracleGeneral; and Belady never loses to any policy."""
import csv
import os
import unittest

from tiersim_cli import ROOT, read_row, run, temp_dir
import cache_policies

TRACES = {  # name: generator flags (object ids are (layer << 32) | expert)
    "zipf": ["--sampler", "zipf", "--n-experts", "600", "--experts-per-step", "2", "--zipf-alpha", "0.8",
             "--steps", "6000"],
    "episode": ["--sampler", "episode", "--n-experts", "256", "--experts-per-step", "4", "--episode-len", "25",
                "--steps", "3000", "--n-layers", "2"],
    "markov": ["--sampler", "markov", "--n-experts", "128", "--experts-per-step", "3", "--p-stay", "0.8",
               "--steps", "4000", "--noise", "0.2"],
    "uniform": ["--sampler", "uniform", "--n-experts", "150", "--experts-per-step", "2", "--steps", "5000"],
}
SIZES = [1, 2, 7, 16, 50, 130]
SPECS = {  # --policy spec: reference call
    "lru": cache_policies.lru,
    "fifo": cache_policies.fifo,
    "clock": cache_policies.clock,
    "clock:bits=2": lambda t, c: cache_policies.clock(t, c, bits=2),
    "arc": cache_policies.arc,
    "belady": cache_policies.belady,
    "2q": cache_policies.two_q,
    "s3fifo": cache_policies.s3fifo,
    "lfu": cache_policies.lfu,
    "lfu:decay_every=500:decay_factor=0.5": lambda t, c: cache_policies.lfu(t, c, 500, 0.5),
    "ttl:ttl=300": lambda t, c: cache_policies.ttl(t, c, 300),
    "ttl:ttl=300:refresh_on_hit=true": lambda t, c: cache_policies.ttl(t, c, 300, True),
}


def read_ids(path):
    with open(path, newline="") as f:
        return [(int(r["layer"]) << 32) | int(r["expert"]) for r in csv.DictReader(f)]


def misses_by_policy(out):
    with open(os.path.join(out, "results.csv"), newline="") as f:
        return {(r["policy"], int(r["capacity_objects"])): int(r["misses"]) for r in csv.DictReader(f)}


class PolicyMissCounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = temp_dir()
        cls.results = {}
        for name, flags in TRACES.items():
            base = os.path.join(cls.tmp.name, name)
            run("trace", "gen", *flags, "--seed", "7", "--format", "csv", "-o", base + ".csv")
            run("trace", "gen", *flags, "--seed", "7", "--format", "oracleGeneral", "-o", base + ".oracleGeneral")
            ids = read_ids(base + ".csv")
            for fmt in ("csv", "oracleGeneral"):
                out = os.path.join(cls.tmp.name, f"{name}-{fmt}")
                run("cache", f"{base}.{fmt}", "--policy", ",".join(SPECS), "--size", ",".join(map(str, SIZES)),
                    "--out", out)
                cls.results[(name, fmt)] = (ids, misses_by_policy(out))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_policy_matches_its_reference_model(self):
        for (trace, fmt), (ids, got) in self.results.items():
            for spec, reference in SPECS.items():
                for c in SIZES:
                    with self.subTest(trace=trace, format=fmt, policy=spec, size=c):
                        self.assertEqual(got[(spec, c)], reference(ids, c))

    def test_belady_never_loses_and_misses_shrink_with_capacity(self):
        for (trace, fmt), (ids, got) in self.results.items():
            compulsory = len(set(ids))
            for c in SIZES:
                for spec in SPECS:
                    self.assertLessEqual(got[("belady", c)], got[(spec, c)], (trace, spec, c))
                self.assertGreaterEqual(got[("belady", c)], compulsory)
            for spec in ("lru", "belady"):  # stack algorithms: no Belady anomaly
                series = [got[(spec, c)] for c in SIZES]
                self.assertEqual(series, sorted(series, reverse=True), (trace, spec))


class PoliciesInTiers(unittest.TestCase):
    def test_belady_as_a_tier_policy_never_loses_on_first_tier_misses(self):
        bench_cache = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")
        with temp_dir() as tmp:
            for sampler in ("zipf", "episode", "markov"):
                misses = {}
                for policy in ("belady", "lru", "fifo", "clock", "arc", "2q", "s3fifo", "lfu", "priority", "ttl"):
                    out = os.path.join(tmp, f"{sampler}-{policy}")
                    run("run", bench_cache, "--out", out, "--quiet", "--set", f"tiers.gpu.policy={policy}",
                        "--set", "workload.mode=inference", "--set", f"workload.generator.sampler={sampler}",
                        "--set", "workload.generator.steps=1500")
                    misses[policy] = int(read_row(os.path.join(out, "results.csv"))["gpu_misses"])
                for policy, m in misses.items():
                    self.assertLessEqual(misses["belady"], m, (sampler, policy))
                self.assertLess(misses["belady"], misses["lru"], sampler)


class PolicyInput(unittest.TestCase):
    def test_unknown_policy_lists_the_valid_ones(self):
        with temp_dir() as tmp:
            path = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--steps", "10", "-o", path)
            p = run("cache", path, "--policy", "lru,lirs", "--size", "4", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn('unknown eviction policy "lirs"', p.stderr)
            for name in ("arc", "belady", "s3fifo", "2q", "clock", "priority", "ttl", "lfu", "fifo"):
                self.assertIn(name, p.stderr)

    def test_bad_parameters_name_the_parameter(self):
        with temp_dir() as tmp:
            path = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--steps", "10", "-o", path)
            for spec, words in (("ttl:ttl=0", "ttl"), ("lfu:decay_factor=-1", "decay_factor"),
                                ("priority:half_life=0", "half_life"), ("arc:p=3", 'unknown key "p"'),
                                ("clock:bits=x", "bits"), ("lru:", "key=value")):
                p = run("cache", path, "--policy", spec, "--size", "4", check=False)
                self.assertEqual(p.returncode, 2, (spec, p.stderr))
                self.assertIn(words, p.stderr, spec)


if __name__ == "__main__":
    unittest.main()
