"""`tiersim train`: the MoE prototype's train.py command line. Its quick start runs verbatim; the
counters match an independent model (tests/reference/train_model.py) with evict-safe backward and
optimizer state; evict-safe reloads on hand-computed traces; envs_per_batch under every sampler;
the compute model's FLOPs; optimizer placement; cache-aware routing; bad input."""
import os
import shutil
import tempfile
import unittest

from tiersim_cli import ROOT, read_config, read_row, run, temp_dir
import train_model
import trained_weights

QUICK_START = ["--n_experts", 512, "--n_envs", 512, "--gpu_slots", 16, "--cpu_cache", 64, "--disk_root", "/tmp/ooc_disk",
               "--sampler", "episode", "--episode_len", 30, "--envs_per_batch", 1, "--batch_size", 1024, "--steps", 200,
               "--lr", "1e-2", "--sort_by_expert"]


def quick(**changes):
    """The quick start's flags with some values changed (flag name without dashes: value) or added."""
    flags = list(QUICK_START)
    for name, value in changes.items():
        if "--" + name in flags:  # the quick start's own spelling
            flags[flags.index("--" + name) + 1] = value
        else:
            flags += ["--" + name.replace("_", "-"), value]
    return flags
COUNTERS = ["gpu_cache_hit", "gpu_cache_miss", "cpu_cache_hit", "cpu_cache_miss", "disk_read_ops", "disk_write_ops",
            "h2d_load", "d2h_writeback", "dirty_gpu_at_end", "dirty_cpu_at_end", "flush_d2h_writeback",
            "flush_disk_write_ops", "reloads"]


def train(tmp, name, *flags):
    out = os.path.join(tmp, name)
    run("train", *flags, "--out", out, "--quiet")
    return read_row(os.path.join(out, "results.csv"))


def write_trace(path, steps):
    """steps: [[(layer, expert), ...], ...]"""
    with open(path, "w") as f:
        f.write("step,layer,expert\n")
        for s, keys in enumerate(steps):
            for layer, expert in keys:
                f.write(f"{s},{layer},{expert}\n")


class QuickStart(unittest.TestCase):
    def test_runs_verbatim_and_counts_its_tokens(self):
        with temp_dir() as tmp:
            row = train(tmp, "q", *QUICK_START)
            self.assertEqual(int(row["train_tokens"]), 1024 * 200)
            self.assertEqual(int(row["train_expert_uses"]), 200)  # one environment, one expert per step
            self.assertEqual(row["sort_by_expert"], "true")
            # Forward + backward FLOPs: 6 x tokens x d_model x d_hidden x 2 (defaults 128 and 512).
            self.assertAlmostEqual(float(row["train_flops"]), 6 * 1024 * 200 * 128 * 512 * 2, delta=1)
            self.assertGreater(float(row["gpu_hit_ratio"]), 0.9)  # episodes of 30 steps

    def test_shipped_config_is_the_quick_start(self):
        with temp_dir() as tmp:
            flags = train(tmp, "flags", *QUICK_START)
            out = os.path.join(tmp, "config")
            run("run", os.path.join(ROOT, "configs", "train_quickstart.json"), "--out", out, "--quiet")
            config = read_row(os.path.join(out, "results.csv"))
            for name in COUNTERS + ["step_time_mean_us", "train_flops", "optimizer_time_s"]:
                self.assertEqual(config[name], flags[name], name)

    def test_same_flags_same_bytes(self):
        with temp_dir() as tmp:
            a = os.path.join(tmp, "a")
            b = os.path.join(tmp, "b")
            for out in (a, b):
                run("train", *quick(envs_per_batch=4, optimizer="adam", evict_safe="recompute", gpu_slots=3), "--out", out,
                    "--quiet")
            with open(os.path.join(a, "results.csv")) as f, open(os.path.join(b, "results.csv")) as g:
                self.assertEqual(f.read().split("\n")[1].split(",")[3:], g.read().split("\n")[1].split(",")[3:])


class IndependentModel(unittest.TestCase):
    def test_counters_match(self):
        compared = 0
        with temp_dir() as tmp:
            for t, (sampler, flags) in enumerate([
                    ("episode", ["--n-experts", 256, "--experts-per-step", 4, "--episode-len", 8, "--steps", 800]),
                    ("uniform", ["--n-experts", 40, "--experts-per-step", 6, "--steps", 600, "--n-layers", 2]),
                    ("markov", ["--n-experts", 128, "--experts-per-step", 5, "--p-stay", 0.7, "--steps", 700])]):
                trace = os.path.join(tmp, f"t{t}.csv")
                run("trace", "gen", "--sampler", sampler, "--seed", 3 + t, *flags, "-o", trace)
                accesses = train_model.read_csv_trace(trace)
                for gpu, cpu in [(4, 8), (6, 32), (16, 16)]:
                    for safe in (False, True):
                        for placement, optimizer in [("hbm", "adam"), ("dram", "momentum"), ("nvme", "adam"), ("nvme", "none")]:
                            args = ["--trace", trace, "--gpu_slots", gpu, "--cpu_cache", cpu, "--optimizer", optimizer,
                                    "--optimizer-placement", placement]
                            if safe:
                                args += ["--evict-safe", "recompute"]
                            try:
                                expected = train_model.simulate(accesses, gpu, cpu, safe, placement, optimizer != "none")
                            except train_model.StepTooLarge:
                                p = run("train", *args, "--out", os.path.join(tmp, "x"), check=False)
                                self.assertEqual(p.returncode, 2, p.stderr)
                                self.assertIn("evict_safe", p.stderr)
                                continue
                            row = train(tmp, f"r{compared}", *args)
                            with self.subTest(trace=t, gpu=gpu, cpu=cpu, safe=safe, placement=placement, optimizer=optimizer):
                                for name in COUNTERS:
                                    self.assertEqual(int(row[name]), expected[name], name)
                            compared += 1
        self.assertGreater(compared, 40)


class EvictSafe(unittest.TestCase):
    def test_hand_computed_reloads(self):
        # Two GPU slots, one step over experts 0, 1, 2. Forward: three misses, 2 evicts 0.
        # Backward (2, 1, 0): 2 and 1 are there; 0 is reloaded, evicting 1 (least recent, updated
        # by its backward: written back).
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            write_trace(trace, [[(0, 0), (0, 1), (0, 2)]])
            row = train(tmp, "a", "--trace", trace, "--gpu_slots", 2, "--cpu_cache", 8, "--evict-safe", "recompute")
            self.assertEqual(int(row["reloads"]), 1)
            self.assertEqual(int(row["gpu_cache_miss"]), 4)
            self.assertEqual(int(row["d2h_writeback"]), 1)
            self.assertEqual(int(row["cpu_cache_hit"]), 1)  # 0's reload: its fetch left a copy in DRAM
            self.assertEqual(int(row["dirty_gpu_at_end"]), 2)  # 2 and 0
            self.assertEqual(int(row["recomputed_experts"]), 3)  # "recompute": no activations kept
            # The same step twice: step 1 finds 0 (hit), evicts 2 for 1 and 0 for 2 (read back from
            # DRAM), and reloads 0 (from DRAM) in its backward, evicting 1.
            write_trace(trace, [[(0, 0), (0, 1), (0, 2)], [(0, 0), (0, 1), (0, 2)]])
            row = train(tmp, "b", "--trace", trace, "--gpu_slots", 2, "--cpu_cache", 8, "--evict-safe", "recompute")
            self.assertEqual(int(row["reloads"]), 2)
            self.assertEqual(int(row["gpu_cache_hit"]), 1)
            self.assertEqual(int(row["cpu_cache_hit"]), 1 + 3)
            self.assertEqual(int(row["d2h_writeback"]), 1 + 3)

    def test_off_refuses_a_step_beyond_the_slots(self):
        with temp_dir() as tmp:
            p = run("train", *quick(envs_per_batch=32), "--out", os.path.join(tmp, "x"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("distinct experts", p.stderr)
            self.assertIn("evict_safe", p.stderr)

    def test_changes_nothing_when_steps_fit(self):
        with temp_dir() as tmp:
            off = train(tmp, "off", *quick(envs_per_batch=4, optimizer="adam"))
            on = train(tmp, "on", *quick(envs_per_batch=4, optimizer="adam", evict_safe="keep"))
            for name in COUNTERS + ["step_time_mean_us"]:
                self.assertEqual(on[name], off[name], name)

    def test_kept_activations_within_budget_save_the_recompute(self):
        with temp_dir() as tmp:
            recompute = train(tmp, "r", *quick(envs_per_batch=32, steps=60, evict_safe="recompute"))
            keep = train(tmp, "k", *quick(envs_per_batch=32, steps=60, evict_safe="keep"))
            tight = train(tmp, "t", *quick(envs_per_batch=32, steps=60, evict_safe="keep", activation_budget="1 MiB"))
            self.assertGreater(int(recompute["reloads"]), 0)
            self.assertEqual(recompute["reloads"], keep["reloads"])
            self.assertEqual(int(keep["recomputed_experts"]), 0)
            self.assertLess(float(keep["backward_compute_s"]), float(recompute["backward_compute_s"]))
            self.assertGreater(int(keep["activation_bytes_peak"]), int(recompute["activation_bytes_peak"]))
            self.assertLessEqual(int(tight["activation_bytes_peak"]), 1 << 20)
            self.assertGreater(int(tight["recomputed_experts"]), 0)


class ActivationsShareHbm(unittest.TestCase):
    """A first tier sized in bytes (--gpu-memory) holds the experts beside the step's activations
    and gradients. d_model 8, d_hidden 16, fp32: an expert is (2*8*16 + 16 + 8) * 4 = 1120 bytes,
    its gradients as many; a token's activations 32 bytes of input + 128 more, so 8 tokens on
    an expert hold 1280 bytes. Two experts a step: 2560 bytes after the forward; the backward
    frees 1280 and adds 1120 per expert (2400, 2240), so the step peaks at 2560 and 8 KiB
    leaves (8192 - 2560) / 1120 = 5 experts."""

    def cycle(self, tmp):
        trace = os.path.join(tmp, "t.csv")
        write_trace(trace, [[(0, 2 * (s % 4)), (0, 2 * (s % 4) + 1)] for s in range(8)])  # 8 experts, twice round
        return ["--trace", trace, "--d_model", 8, "--d_hidden", 16, "--cpu_cache", 16]

    def test_a_byte_sized_gpu_holds_what_the_activations_leave(self):
        with temp_dir() as tmp:
            base = self.cycle(tmp)
            in_bytes = train(tmp, "bytes", *base, "--batch_size", 16, "--gpu-memory", 8192)
            five = train(tmp, "five", *base, "--batch_size", 16, "--gpu_slots", 5)
            eight = train(tmp, "eight", *base, "--batch_size", 16, "--gpu_slots", 8)
            for name in COUNTERS:
                self.assertEqual(in_bytes[name], five[name], name)
            self.assertEqual(int(in_bytes["gpu_cache_miss"]), 16)  # an LRU of 5 on a loop of 8: every use misses
            self.assertEqual(int(eight["gpu_cache_miss"]), 8)     # 8 experts' worth: the second round hits
            self.assertEqual(int(in_bytes["step_memory_peak_bytes"]), 2560)
            self.assertEqual(int(in_bytes["gpu_memory_peak_bytes"]), 5 * 1120 + 2560)
            # Twice the tokens, twice the activations: 5120 bytes leave room for 2 experts.
            big = train(tmp, "big", *base, "--batch_size", 32, "--gpu-memory", 8192)
            two = train(tmp, "two", *base, "--batch_size", 32, "--gpu_slots", 2)
            for name in COUNTERS:
                self.assertEqual(big[name], two[name], name)

    def test_kept_activations_cost_expert_slots(self):
        # Evict-safe, 8 KiB, 16 tokens on each of 2 experts a step, 4 experts in turn. Recompute
        # holds the inputs (2 * 512 bytes) and peaks with the gradients at 2240: 5 experts fit,
        # all 4 stay. Keep holds 2 * 2560 = 5120: 2 fit, every use misses.
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            write_trace(trace, [[(0, 2 * (s % 2)), (0, 2 * (s % 2) + 1)] for s in range(8)])
            base = ["--trace", trace, "--d_model", 8, "--d_hidden", 16, "--cpu_cache", 16, "--batch_size", 32,
                    "--gpu-memory", 8192]
            recompute = train(tmp, "r", *base, "--evict-safe", "recompute")
            keep = train(tmp, "k", *base, "--evict-safe", "keep")
            self.assertEqual(int(recompute["step_memory_peak_bytes"]), 2240)
            self.assertEqual(int(keep["step_memory_peak_bytes"]), 5120)
            self.assertEqual(int(recompute["gpu_cache_miss"]), 4)
            self.assertEqual(int(keep["gpu_cache_miss"]), 16)
            self.assertEqual(int(keep["reloads"]), 0)  # both of a step's experts fit beside the activations
            self.assertLessEqual(int(keep["gpu_memory_peak_bytes"]), 8192)

    def test_activations_larger_than_the_gpu_are_refused(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "x")
            p = run("train", *self.cycle(tmp), "--batch_size", 64, "--gpu-memory", 8192, "--out", out, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("holds only 0 beside the step's 10240 bytes of activations and gradients", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))
            p = run("train", "--gpu_slots", 4, "--gpu-memory", "1 GiB", "--out", out, check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("excludes", p.stderr.lower())


class Batches(unittest.TestCase):
    def test_envs_per_batch_sets_unique_experts_under_every_sampler(self):
        with temp_dir() as tmp:
            for sampler in ["episode", "markov", "uniform", "zipf", "env"]:
                uniques = []
                for envs in (1, 4, 12):
                    row = train(tmp, f"{sampler}{envs}", "--sampler", sampler, "--n_experts", 512, "--envs_per_batch", envs,
                                "--steps", 300, "--gpu_slots", 16)
                    uniques.append(float(row["train_unique_experts_per_step"]))
                    self.assertEqual(int(row["train_tokens"]), 1024 * 300)
                with self.subTest(sampler=sampler):
                    self.assertEqual(uniques[0], 1.0)
                    self.assertLess(uniques[0], uniques[1])
                    self.assertLess(uniques[1], uniques[2])

    def test_sort_by_expert_shortens_a_many_expert_step(self):
        with temp_dir() as tmp:
            base = ["--envs_per_batch", 8, "--steps", 100, "--gpu_slots", 16]
            sorted_ = train(tmp, "s", *base, "--sort_by_expert")
            masked = train(tmp, "m", *base)
            self.assertLess(float(sorted_["forward_compute_s"]), float(masked["forward_compute_s"]))
            self.assertEqual(sorted_["train_flops"], masked["train_flops"])

    def test_a_recorded_routing_splits_the_batch(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            write_trace(trace, [[(0, 1), (0, 2), (0, 3)], [(0, 1)]])
            row = train(tmp, "a", "--trace", trace, "--batch_size", 10)
            self.assertEqual(int(row["train_tokens"]), 20)
            self.assertEqual(int(row["train_expert_uses"]), 4)
            # 4 + 3 + 3 tokens, then 10: FLOPs follow the tokens, not the uses.
            self.assertAlmostEqual(float(row["train_flops"]), 12 * 20 * 128 * 512, delta=1)


class Optimizer(unittest.TestCase):
    def test_state_bytes_and_where_they_move(self):
        params = 2 * 128 * 512 + 512 + 128
        with temp_dir() as tmp:
            hbm = train(tmp, "h", *quick(optimizer="adam"))
            self.assertEqual(int(hbm["optimizer_state_bytes_per_expert"]), 8 * params)
            self.assertEqual(int(hbm["expert_bytes"]), 4 * params + 8 * params)  # the state moves with it
            self.assertEqual(int(hbm["optimizer_gpu_bytes"]), 0)
            dram = train(tmp, "d", *quick(optimizer="adam", optimizer_placement="dram"))
            self.assertEqual(int(dram["expert_bytes"]), 4 * params)
            self.assertEqual(int(dram["optimizer_gpu_bytes"]), 200 * 2 * 4 * params)  # gradients down, weights up
            self.assertEqual(int(dram["optimizer_disk_bytes"]), 0)
            nvme = train(tmp, "n", *quick(optimizer="adam", optimizer_placement="nvme"))
            self.assertEqual(int(nvme["optimizer_disk_bytes"]), 200 * 2 * 8 * params)  # state read and written
            bf16 = train(tmp, "b", *quick(optimizer="momentum", dtype="bf16"))
            self.assertEqual(int(bf16["optimizer_state_bytes_per_expert"]), (4 + 4) * params)  # fp32 master + momentum
            self.assertEqual(int(bf16["expert_bytes"]), 2 * params + 8 * params)
            # A resident hot set: the update beside the expert beats shipping it to the host.
            self.assertLess(float(hbm["step_time_mean_us"]), float(dram["step_time_mean_us"]))
            self.assertLess(float(dram["step_time_mean_us"]), float(nvme["step_time_mean_us"]))
            for row in (hbm, dram, nvme):
                self.assertGreater(float(row["optimizer_share"]), 0)
                self.assertLess(float(row["optimizer_share"]), 1)


class CacheAwareRouting(unittest.TestCase):
    def test_gain_share_and_bound(self):
        with temp_dir() as tmp:
            # Four distinct experts a step, a quarter of the batch each (a recorded routing).
            trace = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--sampler", "uniform", "--n-experts", 64, "--experts-per-step", 4, "--steps", 400, "-o", trace)
            base = ["--trace", trace, "--n_experts", 64, "--gpu_slots", 16, "--routing", "cache_aware", "--candidates", 8]
            row = train(tmp, "r", *base, "--routing-value", 0.3, "--capacity-factor", 2)
            self.assertGreater(float(row["routing_hit_ratio_gain"]), 0)
            self.assertGreater(float(row["routing_rerouted_share"]), 0)
            self.assertGreater(float(row["routing_score_given_up_mean"]), 0)
            self.assertGreater(float(row["routing_load_imbalance_max"]), 1.0)
            self.assertLessEqual(float(row["routing_load_imbalance_max"]), 2.0)
            tight = train(tmp, "t", *base, "--routing-value", 0.3, "--capacity-factor", 1)
            # Equal shares and a factor of 1: no expert may take more than one share.
            self.assertAlmostEqual(float(tight["routing_load_imbalance_max"]), 1.0)
            self.assertGreater(float(tight["routing_rerouted_share"]), 0)
            none = train(tmp, "n", *base, "--routing-value", 0)
            self.assertEqual(float(none["routing_rerouted_share"]), 0)
            self.assertEqual(float(none["routing_hit_ratio_gain"]), 0)


class RecordedCandidates(unittest.TestCase):
    def trace(self, tmp, rows):
        path = os.path.join(tmp, "routing.csv")
        with open(path, "w") as f:
            f.write("step,layer,expert,tokens,candidates\n")
            for row in rows:
                f.write(row + "\n")
        return path

    def test_the_trace_candidates_and_scores_decide(self):
        # Step 1's tokens prefer expert 20 (0.55) but may go to 10 (0.45), which step 0 loaded.
        with temp_dir() as tmp:
            trace = self.trace(tmp, ["0,0,10,64,10:1", "1,0,20,64,20:0.55 10:0.45"])
            base = ["--trace", trace, "--gpu_slots", 4, "--routing", "cache_aware", "--capacity-factor", 1]
            moved = train(tmp, "a", *base, "--routing-bias", "additive", "--routing-value", 0.2)
            self.assertEqual(int(moved["gpu_cache_hit"]), 1)
            self.assertEqual(int(moved["train_tokens"]), 128)  # the trace's tokens, not the batch's
            self.assertAlmostEqual(float(moved["routing_rerouted_share"]), 0.5)
            self.assertAlmostEqual(float(moved["routing_score_given_up_mean"]), 64 * 0.10 / 128)
            self.assertAlmostEqual(float(moved["routing_hit_ratio_gain"]), 0.5)
            kept = train(tmp, "b", *base, "--routing-bias", "margin", "--routing-value", 0.05)  # 0.45 < 0.55 - 0.05
            self.assertEqual(int(kept["gpu_cache_hit"]), 0)
            self.assertEqual(float(kept["routing_rerouted_share"]), 0)

    def test_malformed_candidates_name_the_line(self):
        with temp_dir() as tmp:
            for row, says in [("0,0,10,64,11:0.5", "the row's expert (10) among its candidates"),
                              ("0,0,10,64,10:1.5", "score, a number from 0 to 1"),
                              ("0,0,10,64,10:0.5 10:0.2", "distinct candidate experts"),
                              ("0,0,10,0,10:1", "a tokens column"),
                              ("0,0,10,64,10=1", "expert:score pairs")]:
                trace = self.trace(tmp, ["0,0,3,8,3:1", row])
                p = run("train", "--trace", trace, "--routing", "cache_aware", "--out", os.path.join(tmp, "x"), check=False)
                with self.subTest(row=row):
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn("routing.csv:3:", p.stderr)
                    self.assertIn(says, p.stderr)

    def test_a_plain_trace_needs_the_score_models_experts(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            write_trace(trace, [[(0, 1)], [(0, 2)]])
            p = run("train", "--trace", trace, "--routing", "cache_aware", "--set",
                    "workload.training.routing.n_experts=0", "--out", os.path.join(tmp, "x"), check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("routing.n_experts", p.stderr)


class RealBackend(unittest.TestCase):
    def test_evict_safe_adam_on_real_files_is_checked(self):
        # O_DIRECT needs a real file system: a folder on the checkout's disk.
        base = os.path.join(ROOT, "build") if os.path.isdir(os.path.join(ROOT, "build")) else ROOT
        disk = tempfile.mkdtemp(prefix="tiersim-train-", dir=base)
        try:
            out = os.path.join(disk, "out")
            run("train", "--n_experts", 64, "--gpu_slots", 4, "--cpu_cache", 16, "--episode_len", 5, "--envs_per_batch", 6,
                "--steps", 40, "--optimizer", "adam", "--evict-safe", "recompute", "--backend", "real",
                "--disk_root", os.path.join(disk, "experts"), "--out", out, "--quiet")
            row = read_row(os.path.join(out, "results.csv"))
            self.assertEqual(row["backend"], "real")
            self.assertGreater(int(row["reloads"]), 0)
            # Every use is updated once, at its backward; every copy checked at its compute.
            self.assertEqual(int(row["training_updates"]), int(row["train_expert_uses"]))
            self.assertGreaterEqual(int(row["experts_checked"]), 2 * int(row["train_expert_uses"]))
            self.assertTrue(os.path.exists(os.path.join(out, "train_config.json")))
            p = run("train", "--optimizer-placement", "dram", "--backend", "real", "--disk_root", os.path.join(disk, "e2"),
                    "--out", os.path.join(disk, "o2"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("training.optimizer", p.stderr)
        finally:
            shutil.rmtree(disk, ignore_errors=True)

    def test_final_bytes_on_disk_are_the_documented_updates(self):
        base = os.path.join(ROOT, "build") if os.path.isdir(os.path.join(ROOT, "build")) else ROOT
        disk = tempfile.mkdtemp(prefix="tiersim-train-", dir=base)
        try:
            trace = os.path.join(disk, "t.csv")
            steps = [[(0, 3), (0, 5)], [(0, 5), (0, 7)], [(0, 3), (0, 9)], [(0, 5)], [(0, 7), (0, 3), (0, 9)]]
            write_trace(trace, steps)
            params = 2 * 8 * 16 + 16 + 8
            # Three GPU slots (step 4 uses three experts), two DRAM slots: the write-back chain reaches the files.
            for optimizer, dtype, extra in [("none", "fp32", []), ("momentum", "fp32", ["--evict-safe", "recompute"]),
                                            ("adam", "fp32", []), ("adam", "bf16", ["--evict-safe", "keep"])]:
                files = os.path.join(disk, f"{optimizer}-{dtype}")
                out = files + "-out"
                run("train", "--trace", trace, "--d_model", 8, "--d_hidden", 16, "--gpu_slots", 3, "--cpu_cache", 2,
                    "--batch_size", 64, "--lr", "0.05", "--seed", 11, "--optimizer", optimizer, "--dtype", dtype, *extra,
                    "--backend", "real", "--disk_root", files, "--out", out, "--quiet")
                row = read_row(os.path.join(out, "results.csv"))
                self.assertEqual(int(row["training_updates"]), sum(len(s) for s in steps))
                keys = sorted({(0 << 32) | e for s in steps for _, e in s})
                for index, key in enumerate(keys):
                    used = [s for s, keys_of in enumerate(steps) if any((l << 32) | e == key for l, e in keys_of)]
                    with open(os.path.join(files, f"expert_{index}.bin"), "rb") as f:
                        data = f.read()
                    expected = trained_weights.expert_bytes(11, key, params, used, 0.05, optimizer, dtype,
                                                            object_bytes=len(data))
                    with self.subTest(optimizer=optimizer, dtype=dtype, expert=key):
                        self.assertEqual(len(data) % 4096, 0)
                        self.assertEqual(data, expected)
        finally:
            shutil.rmtree(disk, ignore_errors=True)


class BadInput(unittest.TestCase):
    def fails(self, *flags, says):
        with temp_dir() as tmp:
            p = run("train", *flags, "--out", os.path.join(tmp, "x"), check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            for text in says:
                self.assertIn(text, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "x", "results.csv")))

    def test_each_mistake_names_its_flag_or_path(self):
        self.fails("--batch_size", 3, "--envs_per_batch", 4, says=["training.batch_size", "envs_per_batch"])
        self.fails("--n_envs", 8, "--envs_per_batch", 9, says=["envs_per_batch", "n_envs"])
        self.fails("--optimizer", "lamb", says=["training.optimizer.type", "none, momentum, adam"])
        self.fails("--optimizer-placement", "ssd", says=["training.optimizer.placement", "hbm, dram, nvme"])
        self.fails("--routing", "greedy", says=["training.routing.type", "top1, cache_aware"])
        self.fails("--routing", "cache_aware", "--capacity-factor", 0.5, says=["capacity_factor", "at least 1"])
        self.fails("--evict-safe", "sometimes", says=["training.evict_safe.activations", "recompute, keep"])
        self.fails("--set", "workload.bench_cache_counters=false", "--set", "tiers=[{\"name\":\"gpu\",\"capacity\":16},{\"name\":\"disk\"}]",
                   "--set", "links=[{\"name\":\"u\",\"from\":\"disk\",\"to\":\"gpu\",\"bandwidth\":\"1 GB/s\"},"
                            "{\"name\":\"d\",\"from\":\"gpu\",\"to\":\"disk\",\"bandwidth\":\"1 GB/s\"}]",
                   "--optimizer-placement", "nvme", says=["training.optimizer.placement", "has only 2"])

    def test_fewer_experts_than_bench_caches_picks_per_step(self):
        # Top-1 routing takes one expert per environment: no experts_per_step default applies.
        with temp_dir() as tmp:
            row = train(tmp, "one", "--n_experts", 1, "--n_envs", 3, "--envs_per_batch", 2, "--steps", 20)
            self.assertEqual(float(row["train_unique_experts_per_step"]), 1.0)

    def test_a_trace_step_with_more_experts_than_tokens(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            write_trace(trace, [[(0, 1), (0, 2), (0, 3)]])
            p = run("train", "--trace", trace, "--batch_size", 2, "--out", os.path.join(tmp, "x"), check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("uses 3 experts but a batch has only 2 tokens", p.stderr)


if __name__ == "__main__":
    unittest.main()
