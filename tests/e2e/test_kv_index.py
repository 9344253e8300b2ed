"""The pooled architecture's central index (the KVSS design's stage 4): every lookup crosses
it, a queue of `servers` servers of `service_time` each; the distributed one has no such
queue. Hand-computed waits on simultaneous requests, and pooled against distributed on
Mooncake's conversation trace with the indexer's queue visible. Per-node metrics
(nodes.csv) add up to the totals."""
import csv
import json
import os
import unittest

from tiersim_cli import MOONCAKE, ROOT, read_config, run, run_config, temp_dir, two_tier_kv

BLOCK = 16  # tokens per block and chunk (two_tier_kv's default)


def config(trace, index=None, slots=64):
    return two_tier_kv(trace, prefill_slots=slots, index=index)


class CentralIndex(unittest.TestCase):
    def test_simultaneous_lookups_wait_their_turn(self):
        # Ten requests at once, nothing cached: lookup k waits k service times (k = 1..10).
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.jsonl")
            with open(trace, "w") as f:
                for i in range(10):
                    f.write(json.dumps({"timestamp": 0, "input_length": BLOCK, "output_length": 1, "hash_ids": [1000 + i]}) + "\n")
            pooled = run_config(tmp, "p", config(trace, {"architecture": "pooled", "service_time": "100 us"}))
            local = run_config(tmp, "d", config(trace, {"architecture": "distributed"}))
            self.assertEqual(int(pooled["index_lookups"]), 10)
            self.assertEqual(int(pooled["index_queue_max"]), 9)
            self.assertAlmostEqual(float(pooled["index_wait_mean_us"]), 550, delta=5)
            self.assertAlmostEqual(float(pooled["ttft_mean_us"]) - float(local["ttft_mean_us"]), 550, delta=5)
            self.assertNotIn("index_lookups", local)
            two = run_config(tmp, "2", config(trace, {"architecture": "pooled", "service_time": "100 us", "servers": 2}))
            self.assertAlmostEqual(float(two["index_wait_mean_us"]), 300, delta=5)  # pairs: 100, 100, 200, 200, ... 500

    def test_pooled_against_distributed_on_mooncake(self):
        base = read_config(os.path.join(ROOT, "configs", "kv_mooncake_4tier.json"))
        base["workload"]["trace"] = os.path.join(MOONCAKE, "conversation_trace.jsonl.zst")
        base["workload"]["max_requests"] = 3000
        with temp_dir() as tmp:
            rows = {}
            for name, index in [("distributed", {"architecture": "distributed"}),
                                ("fast", {"architecture": "pooled", "service_time": "50 us"}),
                                ("slow", {"architecture": "pooled", "service_time": "20 ms"})]:
                c = json.loads(json.dumps(base))
                c["workload"]["index"] = index
                rows[name] = run_config(tmp, name, c)
            self.assertEqual(rows["distributed"]["index"], "distributed")
            self.assertEqual(int(rows["fast"]["index_lookups"]), 3000)
            self.assertLess(float(rows["fast"]["index_utilization"]), float(rows["slow"]["index_utilization"]))
            self.assertGreater(int(rows["slow"]["index_queue_max"]), 0)
            ttft = {n: float(rows[n]["ttft_mean_us"]) for n in rows}
            # A fast index costs next to nothing (shifting a lookup by 50 us may even ease a link's
            # queue); a slow one's queue shows in the time to first token.
            self.assertLess(abs(ttft["fast"] - ttft["distributed"]), 0.01 * ttft["distributed"])
            self.assertGreater(ttft["slow"], ttft["distributed"] + 20000)
            self.assertEqual(rows["distributed"]["hit_ratio_blocks"], rows["fast"]["hit_ratio_blocks"])


class Nodes(unittest.TestCase):
    def test_per_node_rows_add_up_to_the_totals(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "pd")
            run("run", os.path.join(ROOT, "configs", "kv_pooled_pd.json"), "--set", "workload.max_requests=2000", "--out", out, "--quiet")
            with open(os.path.join(out, "results.csv")) as f:
                total = next(csv.DictReader(f))
            with open(os.path.join(out, "nodes.csv")) as f:
                nodes = list(csv.DictReader(f))
            self.assertEqual(len(nodes), int(total["prefill_workers"]))
            self.assertEqual(sum(int(n["requests"]) for n in nodes), int(total["requests"]))
            self.assertEqual(sum(int(n["block_lookups"]) for n in nodes), int(total["block_lookups"]))
            hits = sum(int(n["hit_blocks"]) for n in nodes)
            self.assertAlmostEqual(hits / int(total["block_lookups"]), float(total["hit_ratio_blocks"]))
            waits = sum(float(n["queue_wait_mean_us"]) * int(n["requests"]) for n in nodes) / int(total["requests"])
            self.assertAlmostEqual(waits, float(total["queue_wait_mean_us"]), delta=0.01)
            single = os.path.join(tmp, "one")
            run("run", os.path.join(ROOT, "configs", "kv_synthetic_chat.json"), "--set", "workload.generator.requests=200",
                "--out", single, "--quiet")
            self.assertFalse(os.path.exists(os.path.join(single, "nodes.csv")))  # one node: the totals say it


if __name__ == "__main__":
    unittest.main()
