# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""The cache setups offloading systems build, against references computed here: a tier
partitioned by layer (a per-layer cache of c slots, one policy instance per layer), the
protection of a whole step's experts, and an exclusive hierarchy (one copy per object,
the first tier's victims demoted into the second as a victim cache).

Properties, on random traces and on the shipped default study:
  - with one access per step, an exclusive two-tier LRU of a and b slots has the first
    tier's hits of LRU(a) and the total hits of LRU(a + b);
  - a tier partitioned by layer with LRU misses exactly what one LRU of c slots per
    layer misses on that layer's accesses;
  - per-layer Belady never loses to per-layer LRU;
  - protecting the whole step never adds misses to LRU with room for a step."""
import collections
import csv
import json
import os
import random
import unittest

from tiersim_cli import ROOT, read_config, run, run_config, temp_dir


def lru_hits(keys, capacity):
    cache, hits = collections.OrderedDict(), 0
    for k in keys:
        if k in cache:
            cache.move_to_end(k)
            hits += 1
            continue
        if len(cache) >= capacity:
            cache.popitem(last=False)
        cache[k] = True
    return hits


def read_trace(path):
    with open(path, newline="") as f:
        return [(int(r["step"]), int(r["layer"]), int(r["expert"])) for r in csv.DictReader(f)]


def config(trace, tiers, **workload):
    c = {
        "seed": 1,
        "tiers": tiers,
        "links": [
            {"name": "h2d", "from": "dram", "to": "hbm", "bandwidth": "25 GB/s"},
            {"name": "d2h", "from": "hbm", "to": "dram", "bandwidth": "25 GB/s"},
            {"name": "read", "from": "nvme", "to": "dram", "bandwidth": "7 GB/s"},
            {"name": "write", "from": "dram", "to": "nvme", "bandwidth": "5 GB/s"},
        ],
        "workload": {"type": "expert_replay", "mode": "inference", "expert_bytes": "1 MiB", "trace": trace},
    }
    c["workload"].update(workload)
    return c


def run_row(tmp, c, name="c"):
    return run_config(tmp, name, c)


def gen(tmp, name, *args):
    path = os.path.join(tmp, name + ".csv")
    run("trace", "gen", *map(str, args), "-o", path)
    return path


class ExclusiveHierarchy(unittest.TestCase):
    def test_an_exclusive_lru_pair_is_one_lru_of_both_sizes(self):
        rng = random.Random(3)
        with temp_dir() as tmp:
            for i in range(6):
                sampler = rng.choice(["zipf", "markov", "uniform"])
                trace = gen(tmp, f"t{i}", "--sampler", sampler, "--n-experts", rng.choice([300, 2000]), "--n-layers", 1,
                            "--experts-per-step", 1, "--steps", 20000, "--seed", i, "--env-width", 64)
                keys = [e for _, _, e in read_trace(trace)]
                a, b = rng.randint(4, 120), rng.randint(4, 400)
                tiers = [{"name": "hbm", "capacity": a}, {"name": "dram", "capacity": b}, {"name": "nvme"}]
                c = config(trace, tiers)
                c["inclusion"] = "exclusive"
                row = run_row(tmp, c, f"x{i}")
                with self.subTest(sampler=sampler, a=a, b=b):
                    self.assertEqual(int(row["hbm_hits"]), lru_hits(keys, a))
                    self.assertEqual(int(row["hbm_hits"]) + int(row["dram_hits"]), lru_hits(keys, a + b))
                c["inclusion"] = "inclusive"
                inclusive = run_row(tmp, c, f"i{i}")
                with self.subTest(sampler=sampler, a=a, b=b, inclusion="inclusive"):
                    self.assertEqual(int(inclusive["hbm_hits"]), lru_hits(keys, a))
                    self.assertLessEqual(int(inclusive["dram_hits"]), int(row["dram_hits"]))

    def test_mrc_gives_the_exclusive_second_tier_the_simulator_runs(self):
        with temp_dir() as tmp:
            trace = gen(tmp, "m", "--sampler", "zipf", "--n-experts", 800, "--n-layers", 1, "--experts-per-step", 1,
                        "--steps", 20000, "--seed", 4)
            out = os.path.join(tmp, "mrc")
            run("mrc", trace, "--l1", "50", "--inclusion", "exclusive", "--out", out)
            with open(os.path.join(out, "mrc.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
            single = {int(r["capacity_objects"]): int(r["misses"]) for r in rows if r["tier"] == "single"}
            second = {int(r["capacity_objects"]): r for r in rows if r["tier"] == "second"}
            keys = [e for _, _, e in read_trace(trace)]
            for b in (10, 100, 300):
                self.assertEqual(int(second[b]["misses"]), single[50 + b])
                self.assertEqual(int(second[b]["misses"]), len(keys) - lru_hits(keys, 50 + b))
                tiers = [{"name": "hbm", "capacity": 50}, {"name": "dram", "capacity": b}, {"name": "nvme"}]
                c = config(trace, tiers)
                c["inclusion"] = "exclusive"
                row = run_row(tmp, c, f"b{b}")
                self.assertEqual(int(row["dram_misses"]), int(second[b]["misses"]))
                self.assertEqual(int(row["dram_hits"]) + int(row["dram_misses"]), int(second[b]["lookups"]))

    def test_the_default_study_exclusive_reads_nvme_only_once_per_expert(self):
        # 64 GiB of HBM and 48 GiB of DRAM hold Mixtral's 84 GiB of experts together, so an
        # exclusive pair reads each expert from NVMe once; an inclusive one keeps rereading.
        with temp_dir() as tmp:
            c = read_config(os.path.join(ROOT, "configs", "default.json"))
            c["workload"]["generator"]["steps"] = 600
            c["tiers"][1]["capacity"] = "48 GiB"
            inclusive = run_row(tmp, c, "inclusive")
            c["inclusion"] = "exclusive"
            exclusive = run_row(tmp, c, "exclusive")
            self.assertEqual(int(exclusive["nvme_reads"]), 256)
            self.assertGreater(int(inclusive["nvme_reads"]), 1000)
            self.assertLess(float(exclusive["step_time_mean_us"]), float(inclusive["step_time_mean_us"]))
            self.assertEqual(exclusive["hbm_misses"], inclusive["hbm_misses"])  # the first tier decides alone


class RefreshFromAbove(unittest.TestCase):
    def test_a_tier_told_of_hits_above_holds_the_most_recent_objects(self):
        # Every use then reaches the second tier's LRU order, which is the trace's: an
        # inclusive pair with b >= a slots hits what one LRU of b hits. Stacked separately
        # (the default), the second tier sees only the first tier's misses.
        rng = random.Random(12)
        with temp_dir() as tmp:
            for i in range(4):
                trace = gen(tmp, f"r{i}", "--sampler", "zipf", "--n-experts", 500, "--n-layers", 1, "--experts-per-step", 1,
                            "--steps", 15000, "--seed", i)
                keys = [e for _, _, e in read_trace(trace)]
                a = rng.randint(4, 60)
                b = rng.randint(a, 200)
                tiers = [{"name": "hbm", "capacity": a}, {"name": "dram", "capacity": b, "refresh_on_hit_above": True},
                         {"name": "nvme"}]
                told = run_row(tmp, config(trace, tiers), "told")
                tiers[1].pop("refresh_on_hit_above")
                stacked = run_row(tmp, config(trace, tiers), "stacked")
                with self.subTest(a=a, b=b):
                    self.assertEqual(int(told["hbm_hits"]) + int(told["dram_hits"]), lru_hits(keys, b))
                    self.assertEqual(told["hbm_hits"], stacked["hbm_hits"])
                    self.assertLessEqual(int(stacked["dram_hits"]), int(told["dram_hits"]))


class ExclusiveKv(unittest.TestCase):
    def test_a_victim_cache_below_a_small_first_tier_serves_more_from_dram(self):
        # The first tier's victims move into DRAM instead of being dropped where a lower
        # tier holds them: DRAM serves more, and the first token comes sooner.
        c = read_config(os.path.join(ROOT, "configs", "kv_synthetic_chat.json"))
        c["workload"]["generator"]["requests"] = 3000
        c["workload"].pop("write")
        c["tiers"][0]["capacity"] = "2 GiB"
        c["tiers"][1]["capacity"] = "4 GiB"
        with temp_dir() as tmp:
            inclusive = run_row(tmp, c, "inclusive")
            c["inclusion"] = "exclusive"
            exclusive = run_row(tmp, c, "exclusive")
        self.assertGreater(int(exclusive["dram_hits"]), int(inclusive["dram_hits"]))
        self.assertLess(float(exclusive["ttft_mean_us"]), float(inclusive["ttft_mean_us"]))


class PartitionByLayer(unittest.TestCase):
    def traces(self, tmp, count, layers=4, experts=16, picks=2):
        rng = random.Random(8)
        for i in range(count):
            sampler = rng.choice(["zipf", "markov", "episode"])
            yield gen(tmp, f"p{i}", "--sampler", sampler, "--n-experts", experts, "--n-layers", layers, "--experts-per-step", picks,
                      "--distinct", 1, "--steps", 3000, "--seed", i, "--env-width", 6), rng

    def test_a_tier_partitioned_by_layer_is_one_lru_per_layer(self):
        with temp_dir() as tmp:
            for trace, rng in self.traces(tmp, 4):
                slots = rng.randint(2, 8)
                per_layer = collections.defaultdict(list)
                for _, layer, expert in read_trace(trace):
                    per_layer[layer].append(expert)
                expected = sum(lru_hits(keys, slots) for keys in per_layer.values())
                tiers = [{"name": "hbm", "capacity": slots, "partition": "layer"}, {"name": "dram", "capacity": 64}, {"name": "nvme"}]
                row = run_row(tmp, config(trace, tiers), "part")
                with self.subTest(trace=trace, slots=slots):
                    self.assertEqual(int(row["hbm_hits"]), expected)

    def test_tiersim_cache_partitions_by_layer_too(self):
        with temp_dir() as tmp:
            for trace, rng in self.traces(tmp, 2):
                per_layer = collections.defaultdict(list)
                for _, layer, expert in read_trace(trace):
                    per_layer[layer].append(expert)
                accesses = sum(len(k) for k in per_layer.values())
                out = os.path.join(tmp, "cache")
                run("cache", trace, "--policy", "lru,belady", "--size", "2,5", "--partition", "layer", "--out", out)
                with open(os.path.join(out, "results.csv"), newline="") as f:
                    rows = {(r["policy"], int(r["capacity_objects"])): r for r in csv.DictReader(f)}
                for slots in (2, 5):
                    expected = accesses - sum(lru_hits(keys, slots) for keys in per_layer.values())
                    self.assertEqual(int(rows[("lru", slots)]["misses"]), expected)
                    self.assertEqual(rows[("lru", slots)]["partition"], "layer")
                    self.assertLessEqual(int(rows[("belady", slots)]["misses"]), expected)

    def test_per_layer_belady_never_loses_to_per_layer_lru(self):
        with temp_dir() as tmp:
            for trace, rng in self.traces(tmp, 6):
                slots = rng.randint(2, 6)
                for protect in ("accessed", "step"):
                    misses = {}
                    for policy in ("lru", "belady"):
                        tiers = [{"name": "hbm", "capacity": slots, "partition": "layer", "policy": policy},
                                 {"name": "dram", "capacity": 64}, {"name": "nvme"}]
                        misses[policy] = int(run_row(tmp, config(trace, tiers, protect=protect), policy)["hbm_misses"])
                    with self.subTest(trace=trace, slots=slots, protect=protect):
                        self.assertLessEqual(misses["belady"], misses["lru"])

    def test_protecting_the_step_never_adds_lru_misses(self):
        with temp_dir() as tmp:
            for trace, rng in self.traces(tmp, 4):
                slots = rng.randint(2, 6)
                tiers = [{"name": "hbm", "capacity": slots, "partition": "layer"}, {"name": "dram", "capacity": 64}, {"name": "nvme"}]
                accessed = int(run_row(tmp, config(trace, tiers), "a")["hbm_misses"])
                step = int(run_row(tmp, config(trace, tiers, protect="step"), "s")["hbm_misses"])
                with self.subTest(trace=trace, slots=slots):
                    self.assertLessEqual(step, accessed)

    def test_a_layer_needing_more_than_its_part_is_an_error(self):
        with temp_dir() as tmp:
            trace = gen(tmp, "wide", "--sampler", "uniform", "--n-experts", 16, "--n-layers", 2, "--experts-per-step", 4,
                        "--steps", 10)
            tiers = [{"name": "hbm", "capacity": 3, "partition": "layer"}, {"name": "dram", "capacity": 64}, {"name": "nvme"}]
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(config(trace, tiers), f)
            p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("holds per layer (3)", p.stderr)


class BadSetups(unittest.TestCase):
    def error(self, c):
        with temp_dir() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(c, f)
            p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            return p.stderr

    def test_unknown_values_list_the_valid_ones_with_their_path(self):
        c = read_config(os.path.join(ROOT, "configs", "default.json"))
        c["tiers"][0]["partition"] = "expert"
        self.assertIn('tiers[0].partition: expected one of none, layer, got "expert"', self.error(c))
        c["tiers"][0].pop("partition")
        c["workload"]["protect"] = "layer"
        self.assertIn('workload.protect: expected one of accessed, step', self.error(c))
        c["workload"].pop("protect")
        c["inclusion"] = "strict"
        self.assertIn('inclusion: expected one of inclusive, exclusive', self.error(c))

    def test_exclusive_needs_a_link_down_and_no_warm_tier(self):
        c = read_config(os.path.join(ROOT, "configs", "default.json"))
        c["inclusion"] = "exclusive"
        c["links"] = [l for l in c["links"] if l["name"] != "d2h"]
        self.assertIn('add a link from "hbm" to "dram"', self.error(c))
        w = read_config(os.path.join(ROOT, "configs", "warm_tier_prefetch.json"))
        w["inclusion"] = "exclusive"
        self.assertIn("the warm-tier protocol keeps its own copies", self.error(w))

    def test_an_exclusive_kv_hierarchy_takes_no_write_through(self):
        c = read_config(os.path.join(ROOT, "configs", "kv_synthetic_chat.json"))
        c["inclusion"] = "exclusive"
        self.assertIn("workload.write.through: an exclusive hierarchy keeps one copy", self.error(c))

    def test_the_first_tier_has_nothing_above_to_hear_from(self):
        c = read_config(os.path.join(ROOT, "configs", "default.json"))
        c["tiers"][0]["refresh_on_hit_above"] = True
        self.assertIn("tiers[0].refresh_on_hit_above: the first tier has no tier above it", self.error(c))

    def test_a_kv_tier_cannot_be_partitioned_by_layer(self):
        c = read_config(os.path.join(ROOT, "configs", "kv_synthetic_chat.json"))
        c["tiers"][0]["partition"] = "layer"
        self.assertIn("tiers[0].partition: a KV chunk holds every layer", self.error(c))


if __name__ == "__main__":
    unittest.main()
