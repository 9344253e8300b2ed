"""KV-cache namespaces (the KVSS design's stage 3): requests carry optional model, instance and
session fields; an entry is never visible across namespaces. Checked on random traces against
an independent count (a set of seen chunks per namespace, no eviction) and against separate
runs of each instance's requests, and the errors for names the config does not list."""
import csv
import json
import os
import random
import unittest

from tiersim_cli import run, run_config, temp_dir, two_tier_kv

BLOCK = 16


def config(trace, namespaces=None):
    return two_tier_kv(trace, prefill={"fixed": "1 ms", "per_token": "1 us"}, namespaces=namespaces)


def random_requests(rng, n, instances, models=None):
    """Requests 10 s apart (each done before the next), sharing a few prefixes across instances."""
    prefixes = [[rng.randrange(1 << 30) for _ in range(rng.randrange(1, 6))] for _ in range(4)]
    requests = []
    for i in range(n):
        ids = list(rng.choice(prefixes)) + [rng.randrange(1 << 30) for _ in range(rng.randrange(0, 3))]
        r = {"timestamp": i * 10000, "input_length": len(ids) * BLOCK, "output_length": 1, "hash_ids": ids,
             "instance": rng.choice(instances)}
        if models:
            r["model"] = models[r["instance"]]
        requests.append(r)
    return requests


def write(path, requests):
    with open(path, "w") as f:
        for r in requests:
            f.write(json.dumps(r) + "\n")
    return path


def expected_hits(requests, namespace_of):
    """Chunks found again, with nothing evicted: one chunk per block (a hash id names its prefix)."""
    seen, hits = set(), 0
    for r in requests:
        ns = namespace_of(r)
        for block in r["hash_ids"]:
            hits += (ns, block) in seen
            seen.add((ns, block))
    return hits


class Namespaces(unittest.TestCase):
    def test_no_entry_is_seen_across_instances(self):
        rng = random.Random(5)
        instances = ["a", "b", "c"]
        listed = {"instances": [{"name": x} for x in instances]}
        with temp_dir() as tmp:
            for trial in range(4):
                requests = random_requests(rng, 60, instances)
                trace = write(os.path.join(tmp, f"t{trial}.jsonl"), requests)
                isolated = run_config(tmp, f"i{trial}", config(trace, {"scope": "instance", **listed}))
                shared = run_config(tmp, f"g{trial}", config(trace, {"scope": "global", **listed}))
                with self.subTest(trial=trial):
                    self.assertEqual(int(isolated["hbm_hits"]), expected_hits(requests, lambda r: r["instance"]))
                    self.assertEqual(int(shared["hbm_hits"]), expected_hits(requests, lambda r: 0))
                    self.assertLess(int(isolated["hbm_hits"]), int(shared["hbm_hits"]))
                    # Each instance alone gives the same hits: nothing of the others was visible.
                    alone = 0
                    for x in instances:
                        mine = [r for r in requests if r["instance"] == x]
                        part = write(os.path.join(tmp, f"t{trial}{x}.jsonl"), mine)
                        alone += int(run_config(tmp, f"a{trial}{x}", config(part, {"scope": "global", **listed}))["hbm_hits"])
                    self.assertEqual(int(isolated["hbm_hits"]), alone)

    def test_trace_stats_gives_the_hit_ratio_of_a_cache_per_instance(self):
        rng = random.Random(8)
        with temp_dir() as tmp:
            requests = random_requests(rng, 50, ["a", "b"], {"a": "m1", "b": "m2"})
            trace = write(os.path.join(tmp, "t.jsonl"), requests)
            stats = json.loads(run("trace", "stats", trace, "--block-tokens", BLOCK, "--json").stdout)
            lookups = sum(len(r["hash_ids"]) for r in requests)
            self.assertEqual(stats["instances"], 2)
            self.assertAlmostEqual(stats["unbounded_hit_ratio_blocks_per_instance"],
                                   expected_hits(requests, lambda r: r["instance"]) / lookups)
            self.assertAlmostEqual(stats["unbounded_hit_ratio_blocks_per_model"],
                                   expected_hits(requests, lambda r: r["model"]) / lookups)
            self.assertAlmostEqual(stats["unbounded_hit_ratio_blocks"], expected_hits(requests, lambda r: 0) / lookups)

    def test_replicas_of_a_model_share_within_their_trust_domain(self):
        rng = random.Random(9)
        instances = ["r0", "r1", "r2", "s0"]
        models = {"r0": "llama", "r1": "llama", "r2": "llama", "s0": "mistral"}
        spec = {"scope": "model", "models": [{"name": "llama"}, {"name": "mistral"}],
                "instances": [{"name": "r0", "model": "llama", "isolation_id": "tenant-a"},
                              {"name": "r1", "model": "llama", "isolation_id": "tenant-a"},
                              {"name": "r2", "model": "llama", "isolation_id": "tenant-b"},
                              {"name": "s0", "model": "mistral", "isolation_id": "tenant-a"}]}
        domain = {"r0": ("llama", "tenant-a"), "r1": ("llama", "tenant-a"), "r2": ("llama", "tenant-b"),
                  "s0": ("mistral", "tenant-a")}
        with temp_dir() as tmp:
            requests = random_requests(rng, 80, instances, models)
            trace = write(os.path.join(tmp, "t.jsonl"), requests)
            row = run_config(tmp, "m", config(trace, spec))
            self.assertEqual(int(row["hbm_hits"]), expected_hits(requests, lambda r: domain[r["instance"]]))

    def test_each_model_keeps_entries_of_its_own_shape(self):
        rng = random.Random(4)
        with temp_dir() as tmp:
            requests = random_requests(rng, 20, ["a", "b"], {"a": "small", "b": "big"})
            trace = write(os.path.join(tmp, "t.jsonl"), requests)
            spec = {"scope": "model", "models": [{"name": "small"}, {"name": "big", "shape": "llama2_70b"}],
                    "instances": [{"name": "a", "model": "small"}, {"name": "b", "model": "big"}]}
            row = run_config(tmp, "m", config(trace, spec))
            small = int(row["kv_bytes_per_token"])  # the workload's model, llama3_8b
            plain = write(os.path.join(tmp, "plain.jsonl"), [{k: v for k, v in r.items() if k not in ("model", "instance")}
                                                             for r in requests])
            big = config(plain)
            big["workload"]["model"] = "llama2_70b"
            big = int(run_config(tmp, "b", big)["kv_bytes_per_token"])
            self.assertGreater(big, small)
            blocks = {m: {(r["model"], h) for r in requests if r["model"] == m for h in r["hash_ids"]} for m in ("small", "big")}
            self.assertEqual(int(row["hbm_stored_bytes_end"]), BLOCK * (small * len(blocks["small"]) + big * len(blocks["big"])))

    def test_decode_costs_each_model_with_its_own_shape(self):
        # One request per model, 10 s apart, 16 input tokens and 3 output tokens each. A decode
        # step reads the batch's context at 1 TB/s beside 1 ms: llama3_8b keeps 128 KiB per
        # token, llama2_70b 320 KiB. Both decode steps read 16, then 17 tokens of context; the
        # first waits for the last layer's KV (1/32 and 1/80 of it) to cross at 100 GB/s.
        with temp_dir() as tmp:
            requests = [{"timestamp": i * 10000, "input_length": BLOCK, "output_length": 3, "hash_ids": [100 + i],
                         "model": m} for i, m in enumerate(("small", "big"))]
            trace = write(os.path.join(tmp, "d.jsonl"), requests)
            spec = {"scope": "model", "models": [{"name": "small"}, {"name": "big", "shape": "llama2_70b"}]}
            c = config(trace, spec)
            c["workload"]["request_log"] = True
            c["workload"]["decode"] = {"placement": "disaggregated", "workers": 1, "step": {"fixed": "1 ms", "kv_read": "1 TB/s"},
                                       "handover": {"bandwidth": "100 GB/s"}}
            row = run_config(tmp, "d", c)
            with open(os.path.join(tmp, "d", "requests.csv")) as f:
                log = list(csv.DictReader(f))
        tpot = [(float(r["last_token_us"]) - float(r["first_token_us"])) / 2 for r in log]
        for per_token, layers, t in zip((131072, 327680), (32, 80), tpot):
            last_layer = BLOCK * per_token / layers / 1e5  # us at 100 GB/s
            expected = 1000 + ((BLOCK + BLOCK + 1) * per_token / 1e6 + last_layer) / 2  # us: the two steps, averaged
            self.assertAlmostEqual(t, expected, delta=0.01)
        self.assertEqual(int(row["kv_handover_bytes"]), BLOCK * (131072 + 327680))

    def test_a_trace_without_names_is_one_namespace(self):
        with temp_dir() as tmp:
            requests = random_requests(random.Random(2), 30, ["x"])
            for r in requests:
                del r["instance"]
            trace = write(os.path.join(tmp, "t.jsonl"), requests)
            plain = run_config(tmp, "p", config(trace))
            per_instance = run_config(tmp, "i", config(trace, {"scope": "instance"}))
            self.assertEqual(plain["hbm_hits"], per_instance["hbm_hits"])
            self.assertEqual(int(plain["hbm_hits"]), expected_hits(requests, lambda r: 0))

    def test_names_the_config_does_not_list(self):
        with temp_dir() as tmp:
            requests = random_requests(random.Random(3), 5, ["a"])
            requests[3]["instance"] = "zz"
            trace = write(os.path.join(tmp, "t.jsonl"), requests)
            path = os.path.join(tmp, "c.json")
            for namespaces, says in [({"instances": [{"name": "a"}]}, ["t.jsonl:4:", 'instance "zz"', "namespaces.instances"]),
                                     (None, ["t.jsonl:1:", 'instance "a"'])]:
                with open(path, "w") as f:
                    json.dump(config(trace, namespaces), f)
                p = run("run", path, "--out", os.path.join(tmp, "x"), check=False)
                with self.subTest(namespaces=namespaces):
                    self.assertEqual(p.returncode, 2, p.stderr)
                    for text in says:
                        self.assertIn(text, p.stderr)
            requests = random_requests(random.Random(3), 3, ["a"])
            requests[1]["model"] = "other"
            write(trace, requests)
            with open(path, "w") as f:
                json.dump(config(trace, {"models": [{"name": "llama"}], "instances": [{"name": "a", "model": "llama"}]}), f)
            p = run("run", path, "--out", os.path.join(tmp, "x"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn('t.jsonl:2: model "other"', p.stderr)
            requests[1]["model"] = 7
            write(trace, requests)
            p = run("run", path, "--out", os.path.join(tmp, "x"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn('t.jsonl:2: "model" is 7', p.stderr)


if __name__ == "__main__":
    unittest.main()
