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
            own = int(total["hbm_stored_bytes_end"]) + int(total["dram_stored_bytes_end"])  # each node's own tiers
            self.assertEqual(sum(int(n["stored_bytes_end"]) for n in nodes), own)
            self.assertGreater(sum(int(n["loaded_bytes"]) for n in nodes), 0)
            single = os.path.join(tmp, "one")
            run("run", os.path.join(ROOT, "configs", "kv_synthetic_chat.json"), "--set", "workload.generator.requests=200",
                "--out", single, "--quiet")
            self.assertFalse(os.path.exists(os.path.join(single, "nodes.csv")))  # one node: the totals say it


if __name__ == "__main__":
    unittest.main()


class Replication(unittest.TestCase):
    """The distributed architecture's replicas: a node's computed chunks are copied into the
    next nodes' own tier, over its replication link."""

    def requests(self, tmp, n):
        trace = os.path.join(tmp, "r.jsonl")
        with open(trace, "w") as f:
            for i in range(n):  # the same three-block prompt, 10 s apart
                f.write(json.dumps({"timestamp": i * 10000, "input_length": 3 * BLOCK, "output_length": 1, "hash_ids": [1, 2, 3]}) + "\n")
        return trace

    def workers(self, replicas=1, count=2):
        w = {"count": count, "routing": "round_robin"}
        if replicas > 1:
            w.update({"replicas": replicas, "replication": {"bandwidth": "10 GB/s", "latency": "5 us"}})
        return w

    def test_a_replica_serves_the_next_node(self):
        # Round robin: requests 0 and 2 on node 0, 1 on node 1. Alone, node 1 computes its own
        # copy (3 of 9 blocks hit); with 2 replicas node 0's chunks are already on node 1.
        with temp_dir() as tmp:
            trace = self.requests(tmp, 3)
            alone = run_config(tmp, "one", two_tier_kv(trace, prefill={"fixed": "1 ms"}, workers=self.workers()))
            copied = run_config(tmp, "two", two_tier_kv(trace, prefill={"fixed": "1 ms"}, workers=self.workers(2)))
            with open(os.path.join(tmp, "two", "nodes.csv")) as f:
                nodes = list(csv.DictReader(f))
        self.assertAlmostEqual(float(alone["hit_ratio_blocks"]), 3 / 9)
        self.assertAlmostEqual(float(copied["hit_ratio_blocks"]), 6 / 9)
        chunk = BLOCK * 131072  # llama3_8b: 128 KiB of KV per token
        self.assertEqual(int(copied["replicated_chunks"]), 3)
        self.assertEqual(int(copied["replica_bytes"]), 3 * chunk)
        self.assertEqual(int(copied["kv_replication_bytes"]), 3 * chunk)
        self.assertEqual([(n["replicas_out"], n["replicas_in"]) for n in nodes], [("3", "0"), ("0", "3")])
        # Node 0 loads nothing (its own chunks stay), node 1 nothing either (the copies are local);
        # each node's own tier holds the prompt's three chunks.
        self.assertEqual([n["loaded_bytes"] for n in nodes], ["0", "0"])
        self.assertEqual([int(n["stored_bytes_end"]) for n in nodes], [3 * chunk, 3 * chunk])

    def test_replicas_raise_the_hit_ratio_on_mooncake_under_round_robin(self):
        # Four nodes of 200 GiB over a shared store, requests spread round robin: a prefix one
        # node computed is found on the others only where it was copied (or written down).
        trace = os.path.join(MOONCAKE, "conversation_trace.jsonl.zst")
        with temp_dir() as tmp:
            rows = []
            for replicas in (1, 2, 4):
                config = two_tier_kv(trace, hbm="200 GiB", block_tokens=512, prefill={"fixed": "1 ms", "per_token": "20 us"},
                                     workers=self.workers(replicas, count=4), max_requests=3000)
                rows.append(run_config(tmp, f"r{replicas}", config))
        hits = [float(r["hit_ratio_blocks"]) for r in rows]
        ttft = [float(r["ttft_mean_us"]) for r in rows]
        self.assertLess(hits[0], hits[1])
        self.assertLess(hits[1], hits[2])
        self.assertGreater(ttft[0], ttft[2])
        self.assertEqual(int(rows[0]["replicated_chunks"]), 0)
        self.assertGreater(int(rows[2]["replica_bytes"]), int(rows[1]["replica_bytes"]))
        self.assertEqual(int(rows[2]["kv_replication_bytes"]), int(rows[2]["replica_bytes"]))

    def test_bad_replication(self):
        with temp_dir() as tmp:
            trace = self.requests(tmp, 1)
            for workers, says in (({"count": 2, "replicas": 3, "replication": {"bandwidth": "1 GB/s"}}, "workload.workers.replicas"),
                                  ({"count": 2, "replicas": 2}, "missing required key \"replication\""),
                                  ({"count": 2, "replicas": 2, "replicate_into": "store", "replication": {"bandwidth": "1 GB/s"}},
                                   "workload.workers.replicate_into")):
                path = os.path.join(tmp, "bad.json")
                with open(path, "w") as f:
                    json.dump(two_tier_kv(trace, prefill={"fixed": "1 ms"}, workers=workers), f)
                p = run("run", path, "--out", os.path.join(tmp, "x"), check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(says, p.stderr)
