# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""End-to-end: prefetchers on random configurations. The oracle never loses to no
prefetching on stall time; every prefetcher's counters add up; and with the invariant
checks on (no pinned expert evicted, no dirty expert dropped) every random run of
policies x prefetchers x warm-tier settings completes."""
import json
import os
import random
import unittest

from tiersim_cli import ROOT, read_config, run, run_config, temp_dir

POLICIES = ["lru", "fifo", "clock", "lfu", "arc", "2q", "s3fifo", "priority", "ttl"]
PREFETCHERS = ["oracle", "history", "next_layer", "episode"]


def random_config(rng, steps=300):
    sampler = rng.choice(["episode", "markov", "zipf", "uniform"])
    layers = rng.choice([1, 2, 3])
    per_step = rng.choice([2, 4])
    generator = {"sampler": sampler, "n_experts": rng.choice([64, 256]), "experts_per_step": per_step,
                 "steps": steps, "n_layers": layers}
    if sampler == "episode":
        generator["episode_len"] = rng.choice([5, 20])
    gpu = rng.randint(layers * per_step, layers * per_step + 20)
    return {
        "name": "random", "seed": rng.randint(0, 1000),
        "tiers": [{"name": "gpu", "capacity": gpu, "policy": "lru"},
                  {"name": "cpu", "capacity": rng.randint(gpu, 200), "policy": "lru"}, {"name": "disk"}],
        "links": [
            {"name": "h2d", "from": "cpu", "to": "gpu", "bandwidth": rng.choice(["8 GB/s", "25 GB/s"]),
             "channels": rng.choice([1, 2])},
            {"name": "d2h", "from": "gpu", "to": "cpu", "bandwidth": "25 GB/s"},
            {"name": "disk_read", "from": "disk", "to": "cpu", "bandwidth": rng.choice(["2 GB/s", "6 GB/s"]),
             "per_io_overhead": "50 us", "channels": rng.choice([1, 4])},
            {"name": "disk_write", "from": "cpu", "to": "disk", "bandwidth": "2 GB/s"}],
        "workload": {"type": "expert_replay", "mode": rng.choice(["inference", "training"]),
                     "overlap": rng.choice(["serial", "pipelined"]),
                     "compute_per_layer": rng.choice(["0 us", "100 us", "1 ms"]),
                     "expert_bytes": rng.choice(["512 KiB", "4 MiB"]), "generator": generator},
    }


class Prefetchers(unittest.TestCase):
    def test_oracle_never_loses_to_no_prefetching_on_stall_time(self):
        rng = random.Random(11)
        with temp_dir() as tmp:
            gains = 0
            for i in range(24):
                config = random_config(rng)
                base = run_config(tmp, f"none{i}", config)
                config["workload"]["prefetch"] = {"name": "oracle", "depth": rng.choice([1, 2, 4]),
                                                  "target": rng.choice(["gpu", "cpu"])}
                oracle = run_config(tmp, f"oracle{i}", config)
                with self.subTest(i=i, config=config):
                    self.assertLessEqual(float(oracle["stall_time_s"]), float(base["stall_time_s"]) * (1 + 1e-9))
                    # it fetches only what the next steps use (staged copies may still be evicted)
                    self.assertGreater(float(oracle["prefetch_accuracy"]) + (oracle["prefetch_issued"] == "0"), 0)
                gains += float(oracle["stall_time_s"]) < float(base["stall_time_s"])
            self.assertGreater(gains, 12)  # and it usually helps

    def test_the_oracle_into_every_cache_tier_helps_the_shipped_configs(self):
        # An oracle evicts nothing the coming steps need, and its transfers use a shared
        # link's idle capacity only; what it stages below the first tier stays until used; a
        # demand for an expert it is still staging into a lower tier reads it beside the
        # prefetch over fifo servers. Into every cache tier, at depths 1, 2 and 4, it never
        # makes step time or stall worse than none.
        cases = {"default.json": ("hbm", "dram"), "mixtral_s3_l4.json": ("hbm", "dram", "nvme"),
                 "warm_tier_prefetch.json": ("hbm", "dram", "nvme")}
        with temp_dir() as tmp:
            for name, targets in cases.items():
                config = read_config(os.path.join(ROOT, "configs", name))
                config["workload"].pop("prefetch", None)
                base = run_config(tmp, "none-" + name, config)
                for target in targets:
                    for depth in (1, 2, 4):
                        config["workload"]["prefetch"] = {"name": "oracle", "depth": depth, "target": target}
                        oracle = run_config(tmp, f"oracle-{name}-{target}-{depth}", config)
                        with self.subTest(config=name, target=target, depth=depth):
                            for q in ("step_time_mean_us", "stall_time_s"):
                                self.assertLessEqual(float(oracle[q]), float(base[q]) * (1 + 1e-9), q)

    def test_online_prefetchers_cost_the_shipped_configs_at_most_one_percent(self):
        # Their feedback throttle issues only as many picks as timely prefetches earn over
        # wasted, polluting and late ones (models/prefetchers/prefetch_throttle.h).
        configs = ("default.json", "mixtral_s3_l4.json", "warm_tier_prefetch.json")
        with temp_dir() as tmp:
            for name in configs:
                config = read_config(os.path.join(ROOT, "configs", name))
                config["workload"].pop("prefetch", None)
                base = float(run_config(tmp, "none-" + name, config)["step_time_mean_us"])
                targets = [t["name"] for t in config["tiers"][:2]]
                for prefetcher in ("history", "next_layer", "episode"):
                    for target in targets:
                        for depth in ((1,) if prefetcher == "next_layer" else (1, 4)):
                            config["workload"]["prefetch"] = {"name": prefetcher, "depth": depth, "target": target}
                            row = run_config(tmp, f"{prefetcher}-{name}-{target}-{depth}", config)
                            with self.subTest(config=name, prefetcher=prefetcher, target=target, depth=depth):
                                self.assertLessEqual(float(row["step_time_mean_us"]), base * 1.01)
                                self.assertEqual(row["prefetch_throttle"], "feedback")
                                # The run reports its net effect against the same replay without it.
                                self.assertAlmostEqual(float(row["prefetch_none_step_time_mean_us"]), base, delta=base * 1e-12)
                                self.assertAlmostEqual(float(row["prefetch_step_time_saved_us"]),
                                                       base - float(row["step_time_mean_us"]), delta=base * 1e-9)

    def test_without_the_throttle_a_wrong_guesser_costs_time(self):
        # The same prefetcher unthrottled: the property above is the throttle's doing.
        with temp_dir() as tmp:
            config = read_config(os.path.join(ROOT, "configs", "default.json"))
            config["workload"]["generator"]["steps"] = 500
            base = float(run_config(tmp, "none", config)["step_time_mean_us"])
            config["workload"]["prefetch"] = {"name": "next_layer", "throttle": "none"}
            free = run_config(tmp, "free", config)
            self.assertGreater(float(free["step_time_mean_us"]), base * 1.05)
            self.assertGreater(int(free["prefetch_polluted"]), 0)
            self.assertEqual(free["prefetch_throttle"], "none")

    def test_counters_add_up_for_every_prefetcher(self):
        rng = random.Random(5)
        with temp_dir() as tmp:
            for i, name in enumerate(PREFETCHERS * 2):
                config = random_config(rng)
                config["workload"]["prefetch"] = {"name": name, "depth": rng.choice([1, 3]),
                                                  "target": rng.choice(["gpu", "cpu"])}
                row = run_config(tmp, f"p{i}", config)
                issued = int(row["prefetch_issued"])
                parts = sum(int(row[k]) for k in ("prefetch_useful", "prefetch_late", "prefetch_wasted",
                                                 "prefetch_unused_at_end"))
                with self.subTest(prefetcher=name, i=i):
                    # every staged expert is used (in time or late), evicted unused, or still there
                    self.assertEqual(parts, issued)
                    self.assertEqual(int(row["prefetch_bytes"]) > 0, issued > 0)

    def test_budget_limits_prefetch_bytes(self):
        rng = random.Random(8)
        with temp_dir() as tmp:
            config = random_config(rng, steps=200)
            config["workload"]["expert_bytes"] = "1 MiB"
            config["workload"]["prefetch"] = {"name": "oracle", "depth": 4, "budget_per_step": "2 MiB"}
            row = run_config(tmp, "budget", config)
            self.assertLessEqual(int(row["prefetch_issued"]), 2 * int(row["steps"]))
            self.assertGreater(int(row["prefetch_issued"]), 0)

    def test_random_runs_keep_the_invariants(self):
        rng = random.Random(23)
        with temp_dir() as tmp:
            for i in range(30):
                config = random_config(rng, steps=150)
                for tier in config["tiers"][:2]:
                    tier["policy"] = rng.choice(POLICIES)
                w = config["workload"]
                w["check_invariants"] = True
                if rng.random() < 0.7:
                    w["prefetch"] = {"name": rng.choice(PREFETCHERS), "depth": rng.choice([1, 2]),
                                     "target": rng.choice(["gpu", "cpu"])}
                if rng.random() < 0.6:
                    w["warm_tier"] = {"promotion": {"threshold": rng.choice([1, 2, 3]), "window": rng.choice([4, 16])},
                                      "versions": {"publish_every": 10, "experts": 3},
                                      "integrity": {"corrupt_probability": {"disk": rng.choice([0.0, 0.2, 0.9]),
                                                                            "cpu": rng.choice([0.0, 0.1])},
                                                    "retries": rng.choice([0, 2]),
                                                    "on_unavailable": rng.choice(["skip", "wait"])}}
                with self.subTest(i=i, config=config):
                    row = run_config(tmp, f"inv{i}", config)
                    self.assertEqual(int(row["steps"]), 150)

    def test_unknown_prefetcher_and_bad_parameters(self):
        with temp_dir() as tmp:
            config = random_config(random.Random(1), steps=10)
            for prefetch, words in (({"name": "magic"}, 'unknown prefetcher "magic"'),
                                    ({"name": "oracle", "depth": 0}, "workload.prefetch.depth"),
                                    ({"name": "history", "width": -1}, "workload.prefetch.width"),
                                    ({"name": "oracle", "target": "nvme"}, "workload.prefetch.target"),
                                    ({"name": "oracle", "budget_per_step": "-1 MiB"}, "budget_per_step")):
                config["workload"]["prefetch"] = prefetch
                path = os.path.join(tmp, "bad.json")
                with open(path, "w") as f:
                    json.dump(config, f)
                p = run("run", path, "--out", os.path.join(tmp, "bad"), check=False)
                self.assertEqual(p.returncode, 2, (prefetch, p.stderr))
                self.assertIn(words, p.stderr)
                for name in PREFETCHERS if "magic" in words else []:
                    self.assertIn(name, p.stderr)
                self.assertFalse(os.path.exists(os.path.join(tmp, "bad", "results.csv")))


if __name__ == "__main__":
    unittest.main()
