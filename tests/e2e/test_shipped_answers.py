# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""Every shipped config and sweep states the question it answers, and its answer points the
way its description says. Where another test already asserts a config's answer it is named
here; the rest are asserted below.

  default                  Belady beats every online HBM policy; the oracle prefetcher
                           helps; more DRAM never adds LRU misses
  mixtral_s3_l4            S3 read once per expert, within 5 % of an NVMe-backed hierarchy;
                           8 MiB chunks beat whole-object moves
  warm_tier_prefetch       corrupted NVMe reads cost step time; the throttled prefetcher
                           costs at most 1 % (test_prefetch.py)
  kv_mooncake_4tier,       caching with when_faster never raises TTFT mean or p99 against
  kv_synthetic_chat        the same trace without reuse (test_kv_load_or_recompute.py)
  kv_pooled_pd             the shared pool lowers TTFT mean and p99 against a pool too small
                           to hold anything (and test_kv_load_or_recompute.py)
  bench_cache_*            more slots in a cache never add LRU misses there
  train_quickstart         over 90 % GPU hits; more GPU slots never add misses (and
                           test_train.py: the flags of train.py's quick start give its results)
  train_adam_placement     Adam's state beside the expert beats host DRAM, which beats NVMe
                           by an order of magnitude; at 4 GiB only the offloaded state fits
  kvss_store_daemon        a promotion daemon shortens the store's loads a little, its NVMe
                           reads mostly unused
  sweeps                   the directions their descriptions give"""
import csv
import glob
import json
import os
import unittest

from tiersim_cli import ROOT, read_config, read_row, run, run_config, temp_dir

CONFIGS = os.path.join(ROOT, "configs")


def run_row(tmp, config, name):
    return run_config(tmp, name, config)


def shipped(name):
    return read_config(os.path.join(CONFIGS, name + ".json"))


def sweep_rows(tmp, name):
    out = os.path.join(tmp, name)
    run("sweep", os.path.join(CONFIGS, "sweeps", name + ".json"), "--out", out, "--jobs", "2", "--quiet")
    with open(os.path.join(out, "results.csv"), newline="") as f:
        return list(csv.DictReader(f))


class TrainQuickStart(unittest.TestCase):
    def test_an_episode_stays_on_the_gpu_and_more_slots_never_add_misses(self):
        config = shipped("train_quickstart")
        with temp_dir() as tmp:
            misses = []
            for slots in (1, 2, 4, 16, 64):
                config["tiers"][0]["capacity"] = slots
                row = run_row(tmp, config, f"s{slots}")
                misses.append(int(row["gpu_misses"]))
                if slots == 16:
                    self.assertGreater(float(row["gpu_hit_ratio"]), 0.9)
            self.assertEqual(misses, sorted(misses, reverse=True))


class TrainAdamPlacement(unittest.TestCase):
    def test_4_gib_holds_a_step_only_with_the_state_offloaded(self):
        config = os.path.join(CONFIGS, "train_adam_placement.json")
        with temp_dir() as tmp:
            steps = ["--set", "tiers.hbm.capacity=4 GiB", "--set", "workload.generator.steps=60"]
            p = run("run", config, *steps, "--out", os.path.join(tmp, "hbm"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("bytes of activations and gradients", p.stderr)
            out = os.path.join(tmp, "dram")
            run("run", config, *steps, "--set", "workload.training.optimizer.placement=dram", "--out", out, "--quiet")
            self.assertEqual(read_row(os.path.join(out, "results.csv"))["gpu_memory_fits"], "true")


class KvssStoreDaemon(unittest.TestCase):
    def test_the_daemon_shortens_loads_a_little_for_nvme_reads_mostly_unused(self):
        config = os.path.join(CONFIGS, "kvss_store_daemon.json")
        with temp_dir() as tmp:
            rows = {}
            for mode in ("proactive", "passive"):
                out = os.path.join(tmp, mode)
                run("run", config, "--set", f"workload.movement.mode={mode}", "--out", out, "--quiet")
                rows[mode] = read_row(os.path.join(out, "results.csv"))
        daemon, passive = rows["proactive"], rows["passive"]
        self.assertLess(float(daemon["load_latency_mean_us"]), float(passive["load_latency_mean_us"]))
        self.assertGreater(float(daemon["dram_load_hit_ratio"]), float(passive["dram_load_hit_ratio"]))
        self.assertEqual(daemon["load_hit_ratio"], passive["load_hit_ratio"])  # movement loses nothing
        self.assertGreater(int(daemon["nvme_read_bytes"]), int(passive["nvme_read_bytes"]))  # its cost
        self.assertGreater(int(daemon["promoted_wasted"]), int(daemon["promoted_used"]))  # mostly unused


class EveryConfigAsksAQuestion(unittest.TestCase):
    def test_descriptions_ask_a_question(self):
        files = glob.glob(os.path.join(CONFIGS, "*.json")) + glob.glob(os.path.join(CONFIGS, "sweeps", "*.json"))
        self.assertGreater(len(files), 10)
        for path in files:
            with open(path) as f:
                description = json.load(f).get("description", "")
            with self.subTest(path=os.path.relpath(path, ROOT)):
                self.assertIn("?", description)
                self.assertLess(description.index("?"), 300, "the question comes first")


class DefaultStudy(unittest.TestCase):
    def test_belady_beats_every_online_policy_and_the_policies_differ(self):
        with temp_dir() as tmp:
            rows = {}
            for policy in ("lru", "fifo", "clock", "lfu", "arc", "2q", "s3fifo", "belady"):
                c = shipped("default")
                c["workload"]["generator"]["steps"] = 800
                c["tiers"][0]["policy"] = policy
                rows[policy] = run_row(tmp, c, policy)
            best = float(rows["belady"]["tokens_per_s"])
            for policy, row in rows.items():
                with self.subTest(policy=policy):
                    self.assertLessEqual(int(rows["belady"]["hbm_misses"]), int(row["hbm_misses"]))
                    self.assertLessEqual(float(row["tokens_per_s"]), best * (1 + 1e-9))
            # The study tells policies apart: Belady is far ahead of LRU, and LRU of LFU.
            self.assertGreater(best, 1.5 * float(rows["lru"]["tokens_per_s"]))
            self.assertGreater(float(rows["lru"]["tokens_per_s"]), 1.1 * float(rows["lfu"]["tokens_per_s"]))

    def test_the_oracle_prefetcher_raises_tokens_per_second(self):
        with temp_dir() as tmp:
            c = shipped("default")
            none = run_row(tmp, c, "none")
            c["workload"]["prefetch"] = {"name": "oracle", "depth": 2}
            oracle = run_row(tmp, c, "oracle")
            self.assertGreater(float(oracle["tokens_per_s"]), 1.1 * float(none["tokens_per_s"]))

    def test_more_dram_never_adds_lru_misses(self):
        with temp_dir() as tmp:
            misses = []
            for dram in ("24 GiB", "48 GiB", "72 GiB", "96 GiB"):
                c = shipped("default")
                c["workload"]["generator"]["steps"] = 600
                c["tiers"][1]["capacity"] = dram
                misses.append(int(run_row(tmp, c, dram.replace(" ", ""))["dram_misses"]))
            self.assertEqual(misses, sorted(misses, reverse=True))
            self.assertEqual(misses[-1], 256)  # 96 GiB holds all 84 GiB: only the first reads


class MixtralS3(unittest.TestCase):
    def test_s3_behind_the_nvme_cache_costs_little_and_chunks_pay(self):
        with temp_dir() as tmp:
            c = shipped("mixtral_s3_l4")
            s3 = run_row(tmp, c, "s3")
            self.assertEqual(int(s3["s3_reads"]), 256)  # each of the 32 x 8 experts once
            nvme = shipped("mixtral_s3_l4")
            nvme["tiers"] = nvme["tiers"][:2] + [{"name": "nvme"}]
            nvme["links"] = [l for l in nvme["links"] if "s3" not in (l["from"], l["to"])]
            backed = run_row(tmp, nvme, "nvme")
            self.assertLess(float(s3["step_time_mean_us"]), 1.05 * float(backed["step_time_mean_us"]))
            self.assertGreaterEqual(float(s3["step_time_mean_us"]), float(backed["step_time_mean_us"]))
            c["workload"]["chunk_bytes"] = 0
            whole = run_row(tmp, c, "whole")
            self.assertGreater(float(whole["step_time_mean_us"]), 1.5 * float(s3["step_time_mean_us"]))


class WarmTier(unittest.TestCase):
    def test_corrupted_nvme_reads_cost_step_time(self):
        with temp_dir() as tmp:
            c = shipped("warm_tier_prefetch")
            c["workload"].pop("timeseries_interval")
            corrupted = run_row(tmp, c, "corrupted")
            c["workload"]["warm_tier"]["integrity"]["corrupt_probability"] = {"nvme": 0.0}
            clean = run_row(tmp, c, "clean")
            self.assertGreater(float(corrupted["step_time_mean_us"]), float(clean["step_time_mean_us"]))
            self.assertGreater(int(corrupted["move_retry_count"]), 0)


class PooledKv(unittest.TestCase):
    def test_the_shared_pool_lowers_time_to_first_token(self):
        with temp_dir() as tmp:
            c = shipped("kv_pooled_pd")
            c["workload"]["max_requests"] = 6000
            pooled = run_row(tmp, c, "pooled")
            c["tiers"][2]["capacity"] = "1 GiB"
            alone = run_row(tmp, c, "alone")
            self.assertGreater(int(pooled["pool_hits"]), 10 * int(alone["pool_hits"]))
            for q in ("ttft_mean_us", "ttft_p99_us"):
                self.assertLess(float(pooled[q]), float(alone[q]), q)


class BenchCache(unittest.TestCase):
    def test_more_slots_never_add_lru_misses(self):
        # An episode routes to 8 experts: at the shipped 16 GPU slots almost every miss is
        # an expert's first use (DRAM misses it too); below 8 the caches' sizes show.
        with temp_dir() as tmp:
            for name in ("bench_cache_quickstart", "bench_cache_real", "bench_cache_gpu_real"):
                first, second = [t["name"] for t in shipped(name)["tiers"][:2]]
                shipped_row = run_row(tmp, shipped(name), name)
                self.assertGreater(int(shipped_row[second + "_misses"]), 0.95 * int(shipped_row[first + "_misses"]))
                for tier, sizes in ((0, (4, 6, 8, 16)), (1, (4, 6, 8, 16))):
                    misses = []
                    for size in sizes:
                        c = shipped(name)
                        c["workload"]["generator"]["steps"] = 600
                        c["tiers"][0]["capacity"] = 4
                        c["tiers"][tier]["capacity"] = size
                        row = run_row(tmp, c, f"{name}-{tier}-{size}")
                        misses.append(int(row[(first if tier == 0 else second) + "_misses"]))
                    with self.subTest(config=name, tier=tier):
                        self.assertEqual(misses, sorted(misses, reverse=True))
                        self.assertGreater(misses[0], misses[-1])


class Sweeps(unittest.TestCase):
    def nonincreasing(self, rows, vary, fixed, column, key=float):
        groups = {}
        for r in rows:
            groups.setdefault(tuple(r[f] for f in fixed), []).append(r)
        for group in groups.values():
            group.sort(key=lambda r: key(r[vary]))
            values = [float(r[column]) for r in group]
            with self.subTest(vary=vary, fixed=[group[0][f] for f in fixed], column=column):
                self.assertEqual(values, sorted(values, reverse=True))

    def test_train_adam_placement(self):
        with temp_dir() as tmp:
            rows = sweep_rows(tmp, "train_adam_placement")
        by = {(r["workload.training.optimizer.placement"], r["tiers.hbm.capacity"]): float(r["step_time_mean_us"]) for r in rows}
        for budget in ("6 GiB", "8 GiB", "16 GiB"):
            with self.subTest(budget=budget):
                self.assertLess(by[("hbm", budget)], by[("dram", budget)])
                self.assertGreater(by[("nvme", budget)], 10 * by[("dram", budget)])
        self.nonincreasing([r for r in rows if r["workload.training.optimizer.placement"] == "hbm"], "tiers.hbm.capacity", [],
                           "step_time_mean_us", lambda text: float(text.split()[0]))

    def test_quick(self):
        with temp_dir() as tmp:
            rows = sweep_rows(tmp, "quick")
        self.nonincreasing(rows, "tiers.gpu.capacity", ["tiers.cpu.capacity"], "gpu_misses")
        self.nonincreasing(rows, "tiers.cpu.capacity", ["tiers.gpu.capacity"], "cpu_misses")

    def test_bench_cache_gpu_x_dram(self):
        with temp_dir() as tmp:
            rows = [r for r in sweep_rows(tmp, "bench_cache_gpu_x_dram") if r["seed"] == "0"]  # repeat 0
        self.nonincreasing(rows, "tiers.gpu.capacity", ["tiers.cpu.capacity", "workload.generator.episode_len"], "gpu_misses")
        self.nonincreasing(rows, "tiers.cpu.capacity", ["tiers.gpu.capacity", "workload.generator.episode_len"], "cpu_misses")
        self.nonincreasing(rows, "workload.generator.episode_len", ["tiers.gpu.capacity", "tiers.cpu.capacity"], "gpu_misses")

    def test_nvme_bandwidth_x_dram(self):
        gb = lambda text: float(text.split()[0])
        with temp_dir() as tmp:
            rows = sweep_rows(tmp, "nvme_bandwidth_x_dram")
        self.nonincreasing(rows, "links.nvme_read.bandwidth", ["tiers.dram.capacity"], "step_time_mean_us", gb)
        self.nonincreasing(rows, "tiers.dram.capacity", ["links.nvme_read.bandwidth"], "dram_misses", gb)

    def test_kv_chunk_x_compression(self):
        with temp_dir() as tmp:
            rows = sweep_rows(tmp, "kv_chunk_x_compression")
        by = {(int(r["workload.chunk_tokens"]), float(r["tiers.s3.compression.ratio"])): r for r in rows}
        for ratio in (1.0, 3.5):
            ttft = [float(by[(c, ratio)]["ttft_mean_us"]) for c in (16, 64, 256, 512, 1024)]
            self.assertEqual(ttft, sorted(ttft), "finer chunks reuse more")
        for chunk in (16, 64, 256, 512, 1024):
            plain, packed = by[(chunk, 1.0)], by[(chunk, 3.5)]
            stored = float(plain["s3_stored_bytes_end"]) / float(packed["s3_stored_bytes_end"])
            self.assertAlmostEqual(stored, 3.5, delta=0.05)
            self.assertLessEqual(float(packed["s3_put_utilization"]), float(plain["s3_put_utilization"]))
            self.assertLess(int(plain["s3_hits"]), 10)  # S3 is written, hardly read


if __name__ == "__main__":
    unittest.main()
