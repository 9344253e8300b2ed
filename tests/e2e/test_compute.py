"""Compute from the model's shape: the expert replay's and the KV workload's layers timed by
the roofline (max(FLOPs / peak, bytes / HBM bandwidth) / efficiency), against the same
arithmetic done here from the published shapes; tokens per second; and the errors a wrong
compute section gets."""
import json
import math
import os
import unittest

from tiersim_cli import ROOT, read_config, read_row, run, temp_dir

DEFAULT = os.path.join(ROOT, "configs", "default.json")
KV = os.path.join(ROOT, "configs", "kv_synthetic_chat.json")


def mixtral_decode_layer_ps(experts, context, efficiency, bandwidth=3.35e12):
    """One Mixtral-8x7B layer decoding one token (bf16): memory-bound, so its bytes over
    the bandwidth: attention (q, o 4096x4096; k, v 4096x1024), the router, the experts,
    the context's KV read and the new token's written."""
    weights = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 4096 * 8 + experts * 3 * 4096 * 14336
    kv = 2 * 8 * 128 * 2
    bytes_ = weights * 2 + (context + 1) * kv
    return math.ceil(bytes_ / bandwidth / efficiency * 1e12)


def write(tmp, config, name="c.json"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(config, f)
    return path


class ExpertReplayCompute(unittest.TestCase):
    def run_config(self, config):
        with temp_dir() as tmp:
            p = run("run", write(tmp, config), "--out", os.path.join(tmp, "out"), check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            return read_row(os.path.join(tmp, "out", "results.csv"))

    def small_default(self, steps=200):
        config = read_config(DEFAULT)
        config["workload"]["generator"]["steps"] = steps
        return config

    def test_the_default_study_computes_each_layer_from_mixtral_on_an_h100(self):
        row = self.run_config(self.small_default())
        w = read_config(DEFAULT)["workload"]
        self.assertEqual(w["model"], "mixtral_8x7b")
        layer = mixtral_decode_layer_ps(2, w["context_tokens"], w["gpu"]["efficiency"])
        self.assertAlmostEqual(float(row["compute_time_s"]), 200 * 32 * layer / 1e12, delta=1e-9)
        self.assertEqual(int(row["expert_bytes"]), 3 * 4096 * 14336 * 2)
        self.assertAlmostEqual(float(row["tokens_per_s"]), 200 / float(row["sim_time_s"]), delta=1e-6)

    def test_a_larger_batch_touches_more_experts_and_costs_more_per_step(self):
        one = self.small_default()
        many = self.small_default()
        many["workload"]["batch_tokens"] = 16
        many["workload"]["generator"]["experts_per_step"] = 6  # 16 tokens' top-2 picks
        r1, r16 = self.run_config(one), self.run_config(many)
        self.assertGreater(float(r16["compute_time_s"]), 2 * float(r1["compute_time_s"]))
        self.assertGreater(float(r16["tokens_per_s"]), float(r1["tokens_per_s"]))
        self.assertEqual(r16["batch_tokens"], "16")

    def test_a_hand_set_compute_overrides_the_roofline(self):
        config = self.small_default()
        config["workload"]["compute_per_layer"] = "1 ms"
        row = self.run_config(config)
        self.assertAlmostEqual(float(row["compute_time_s"]), 200 * 32 * 1e-3, delta=1e-9)

    def test_prefill_is_slower_per_step_than_decode(self):
        config = self.small_default()
        config["workload"].update(stage="prefill", batch_tokens=4096, context_tokens=0)
        config["workload"]["generator"]["experts_per_step"] = 8
        config["tiers"][0]["capacity"] = "96 GiB"  # a step touches all 256 experts
        prefill = self.run_config(config)
        decode = self.run_config(self.small_default())
        self.assertGreater(float(prefill["compute_time_s"]), 5 * float(decode["compute_time_s"]))


class KvCompute(unittest.TestCase):
    def kv(self, model, requests=300, **workload):
        config = read_config(KV)
        w = config["workload"]
        w["generator"]["requests"] = requests
        w["model"] = model
        w.pop("prefill")
        w["gpu"] = {"preset": "h100_sxm", "efficiency": 0.5}
        w.update(workload)
        with temp_dir() as tmp:
            p = run("run", write(tmp, config), "--out", os.path.join(tmp, "out"), check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            return read_row(os.path.join(tmp, "out", "results.csv"))

    def test_a_larger_model_takes_longer_to_prefill(self):
        small, large = self.kv("llama3_8b"), self.kv("llama3_70b")
        self.assertGreater(float(large["ttft_mean_us"]), 3 * float(small["ttft_mean_us"]))

    def test_decode_time_per_token_is_the_weights_over_the_bandwidth_at_batch_one(self):
        # A decode worker per sequence, so that no sequence waits for a batch slot.
        decode = {"workers": 64, "max_batch": 1, "handover": {"bandwidth": "400 GB/s"}}
        row = self.kv("llama3_8b", requests=40, decode=decode)
        # Llama-3-8B: 32 layers of 4096x(4096+1024+1024+4096) attention and 3x4096x14336 MLP
        # weights in bf16, over 3.35 TB/s at 50 %: about 8.3 ms a token, plus its context.
        weights = 32 * (2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336) * 2
        floor_us = weights / 3.35e12 / 0.5 * 1e6
        tpot = float(row["tpot_p50_us"])
        self.assertGreater(tpot, floor_us)
        self.assertLess(tpot, 1.2 * floor_us)


class ComputeErrors(unittest.TestCase):
    def error(self, config):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "out")
            p = run("run", write(tmp, config), "--out", out, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))
            return p.stderr

    def test_wrong_compute_sections_are_named(self):
        config = read_config(DEFAULT)
        config["workload"]["gpu"] = "h300"
        self.assertIn("workload.gpu: unknown GPU preset \"h300\"; expected one of: h100_sxm, h200, a100_80gb, b200, l40s",
                      self.error(config))
        config["workload"]["gpu"] = {"peak_tflops": {"bf16": 0}, "hbm_bandwidth": "3 TB/s"}
        self.assertIn("workload.gpu.peak_tflops: the bf16 peak must be positive", self.error(config))
        config["workload"]["gpu"] = "h100_sxm"
        config["workload"]["model"] = "mixtral_9x7b"
        self.assertIn("workload.model: unknown model preset \"mixtral_9x7b\"; expected one of:", self.error(config))
        config["workload"]["model"] = "llama3_8b"
        self.assertIn("an expert replay needs an MoE model", self.error(config))
        del config["workload"]["model"]
        self.assertIn("workload.gpu: a GPU needs the model it runs", self.error(config))
        config["workload"]["stage"] = "training"
        self.assertIn("workload.stage", self.error(config))


if __name__ == "__main__":
    unittest.main()
