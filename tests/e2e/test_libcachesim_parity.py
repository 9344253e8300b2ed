# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""End-to-end: tiersim cache's LRU, FIFO, CLOCK, ARC, S3-FIFO and Belady give exactly the
miss counts of libCacheSim's own implementations (tests/data/libcachesim/miss_counts.csv,
recorded from libCacheSim built from source at the commit named there) on three traces
with 100k+ distinct objects each: Zipf(0.9) over 200,000 objects, an episode trace with
noise, and Mooncake's conversation trace (one lookup per block)."""
import csv
import json
import os
import sys
import unittest

from tiersim_cli import ROOT, mooncake_requests, run, temp_dir

sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
from oracle_general import mooncake_block_ids, write_oracle_general  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "libcachesim", "miss_counts.csv")

# The traces the recorded counts were measured on (tiersim's generators are deterministic per seed).
GENERATED = {
    "zipf200k": ["--sampler", "zipf", "--n-experts", "200000", "--experts-per-step", "1", "--zipf-alpha", "0.9",
                 "--steps", "1000000", "--seed", "11"],
    "episode150k": ["--sampler", "episode", "--n-experts", "150000", "--experts-per-step", "8", "--episode-len", "20",
                    "--env-width", "64", "--noise", "0.3", "--steps", "150000", "--seed", "12"],
}


def recorded():
    with open(DATA) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    return {(r["trace"], r["policy"], int(r["capacity_objects"])): int(r["misses"]) for r in rows}


def tiersim_misses(trace, policies, sizes):
    p = run("cache", trace, "--policy", ",".join(policies), "--size", ",".join(map(str, sizes)), "--format", "oracleGeneral")
    got = {}
    for line in (p.stdout + p.stderr).splitlines():
        if "misses=" in line:
            fields = dict(f.split("=") for f in line.split()[1:])
            got[(line.split()[0], int(fields["size"]))] = int(fields["misses"])
    return got


class LibCacheSimParity(unittest.TestCase):
    def test_miss_counts_equal_libcachesims(self):
        expected = recorded()
        traces = sorted({t for t, _, _ in expected})
        self.assertEqual(traces, ["episode150k", "mooncake_conversation", "zipf200k"])
        with temp_dir() as tmp:
            for trace in traces:
                path = os.path.join(tmp, trace + ".oracleGeneral")
                if trace in GENERATED:
                    run("trace", "gen", *GENERATED[trace], "--format", "oracleGeneral", "--object-size", "1", "-o", path)
                else:
                    requests = mooncake_requests("conversation_trace")
                    times = [i for i, r in enumerate(requests) for _ in r["hash_ids"]]
                    write_oracle_general(path, mooncake_block_ids(requests), times)
                mine = {k: v for k, v in expected.items() if k[0] == trace}
                policies = sorted({p for _, p, _ in mine})
                sizes = sorted({s for _, _, s in mine})
                got = tiersim_misses(path, policies, sizes)
                for (_, policy, size), misses in sorted(mine.items()):
                    self.assertEqual(got[(policy, size)], misses, (trace, policy, size))

    def test_the_traces_have_100k_distinct_objects(self):
        with temp_dir() as tmp:
            for trace, flags in GENERATED.items():
                path = os.path.join(tmp, trace + ".csv")
                run("trace", "gen", *flags, "-o", path)
                p = run("trace", "stats", path, "--json")
                self.assertGreaterEqual(json.loads(p.stdout)["objects"], 100_000, trace)
        self.assertGreaterEqual(len(set(mooncake_block_ids(mooncake_requests("conversation_trace")))), 100_000)


if __name__ == "__main__":
    unittest.main()
