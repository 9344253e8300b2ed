"""End-to-end: KV-cache serving across workers. Prefill workers over a shared pooled tier
(L3.5) and their routing; prefill/decode disaggregation with the KV handed over a link,
and decode colocated with prefill; decode times worked out by hand; Mooncake's trace on
a pooled, disaggregated cluster; bad input."""
import json
import os
import unittest

from test_kv_serving import CASES, MOONCAKE, derived_config, input_error, requests, simulate
from tiersim_cli import ROOT, mooncake_requests, temp_dir

POOL = os.path.join(ROOT, "tests", "data", "kv", "pool_cases.json")
CLUSTER = os.path.join(ROOT, "configs", "kv_pooled_pd.json")


def trace_file(directory, lines):
    path = os.path.join(directory, "requests.jsonl")
    with open(path, "w") as f:
        for timestamp, output, ids in lines:
            f.write(json.dumps({"timestamp": timestamp, "input_length": 100 * len(ids), "output_length": output, "hash_ids": ids}) + "\n")
    return path


class PooledTier(unittest.TestCase):
    """tests/data/kv/pool_cases.json: two workers with their own HBM, a shared pool, new
    chunks written through to the pool; the same four-chunk prompt twice, 100 ms apart."""

    def row(self, *sets):
        with temp_dir() as d:
            row = simulate(POOL, *sets, out=d)
            return row, requests(d)

    def test_a_chunk_one_worker_wrote_to_the_pool_is_a_pool_hit_for_the_other(self):
        row, rows = self.row()
        self.assertEqual([r["worker"] for r in rows], ["0", "1"])
        self.assertEqual(float(row["pool_hit_ratio_blocks"]), 0.5)
        self.assertEqual(float(row["hbm_hit_ratio_blocks"]), 0.0)
        # Four 100 KB chunks over worker 1's own 0.1 GB/s link: T = 4 ms, P = 1.01 ms over
        # 4 layers: max(4 + 1.01/4, 1 + 1.01) = 4.2525 ms.
        self.assertEqual(float(rows[1]["ttft_us"]), 4252.5)
        self.assertEqual(int(row["pool_get_bytes"]), 400000)

    def test_a_pool_each_worker_has_its_own_of_is_not_shared(self):
        row, _ = self.row("workload.workers.shared_from=\"s3\"")
        self.assertEqual(float(row["hit_ratio_blocks"]), 0.0)
        self.assertEqual(int(row["pool_inserts"]), 8)  # four chunks in each worker's pool

    def test_routing_to_the_worker_holding_the_prefix_hits_in_its_hbm(self):
        for routing in ("cache_aware", "prefix_hash"):
            row, rows = self.row(f"workload.workers.routing=\"{routing}\"")
            self.assertEqual(rows[0]["worker"], rows[1]["worker"], routing)
            self.assertEqual(float(row["hbm_hit_ratio_blocks"]), 0.5, routing)
            self.assertEqual(float(rows[1]["ttft_us"]), 1010, routing)  # a full hit: the last token only

    def test_per_worker_links_add_up_and_report_mean_utilization(self):
        row, _ = self.row()
        # Each worker wrote its own four chunks through its own pool_put link (the second
        # worker's copy was already in the pool, so it wrote nothing).
        self.assertEqual(int(row["pool_put_bytes"]), 400000)
        self.assertEqual(int(row["pool_put_transfers"]), 4)
        self.assertAlmostEqual(float(row["pool_put_busy_s"]), 0.004, places=9)
        self.assertAlmostEqual(float(row["pool_put_utilization"]), 0.004 / float(row["sim_time_s"]) / 2, places=9)


def decode_set(**decode):
    return "workload.decode=" + json.dumps(decode)


class HandComputedDecode(unittest.TestCase):
    """tests/data/kv/ttft_cases.json (400-token prompts, 400 KB of KV, a full miss takes
    5 ms to its first token) with decode added."""

    def run_case(self, lines, *sets):
        with temp_dir() as d:
            path = trace_file(d, lines)
            row = simulate(CASES, f"workload.trace=\"{path}\"", *sets, out=d)
            return row, requests(d)

    def test_disaggregated_batching_after_a_handover(self):
        # Two prompts at once on 2 prefill slots: first tokens at 5 ms. Without layerwise
        # prefill, each 400 KB handover starts at the first token on one 0.4 GB/s link:
        # done at 6 and 7 ms. Steps cost 10 ms + 1 ms a sequence. A decodes alone 6-17,
        # B joins at the step boundary: 17-29, 29-41, 41-53 (A's 4th token), B alone 53-64.
        row, rows = self.run_case([(0, 5, [1, 2, 3, 4]), (0, 5, [5, 6, 7, 8])], "workload.prefill_slots=2", "workload.layerwise=false",
                                  decode_set(workers=1, step={"fixed": "10 ms", "per_sequence": "1 ms"}, handover={"bandwidth": "0.4 GB/s"}))
        self.assertEqual([float(r["decode_start_us"]) for r in rows], [6000, 17000])
        self.assertEqual([float(r["last_token_us"]) for r in rows], [53000, 64000])
        self.assertEqual(float(row["tpot_p50_us"]), 12000)  # (53 - 5) / 4
        self.assertEqual(float(row["tpot_p99_us"]), 14750)  # (64 - 5) / 4
        self.assertEqual(int(row["decode_tokens"]), 8)
        self.assertEqual(int(row["decode_steps"]), 5)
        self.assertEqual(int(row["kv_handover_bytes"]), 800000)
        self.assertEqual(float(row["ttft_p99_us"]), 5000)  # the first token does not wait for decode

    def test_a_batch_of_one_decodes_one_sequence_at_a_time(self):
        _, rows = self.run_case([(0, 5, [1, 2, 3, 4]), (0, 5, [5, 6, 7, 8])], "workload.prefill_slots=2", "workload.layerwise=false",
                                decode_set(workers=1, max_batch=1, step={"fixed": "10 ms", "per_sequence": "1 ms"},
                                           handover={"bandwidth": "0.4 GB/s"}))
        self.assertEqual([float(r["last_token_us"]) for r in rows], [50000, 94000])  # 6 + 4 x 11; 50 + 4 x 11

    def test_two_decode_workers_take_one_sequence_each(self):
        _, rows = self.run_case([(0, 5, [1, 2, 3, 4]), (0, 5, [5, 6, 7, 8])], "workload.prefill_slots=2", "workload.layerwise=false",
                                decode_set(workers=2, step={"fixed": "10 ms", "per_sequence": "1 ms"}, handover={"bandwidth": "0.4 GB/s"}))
        self.assertEqual([float(r["last_token_us"]) for r in rows], [50000, 51000])

    def test_layerwise_prefill_streams_the_handover_during_compute(self):
        # Compute runs 0-5 ms, and the handover with it (done at 1 ms); the last layer's
        # 100 KB exists at 5 ms and takes 0.25 ms: decoding starts at 5.25 ms.
        _, rows = self.run_case([(0, 5, [1, 2, 3, 4])], decode_set(workers=1, step={"fixed": "10 ms"}, handover={"bandwidth": "0.4 GB/s"}))
        self.assertEqual(float(rows[0]["decode_start_us"]), 5250)
        self.assertEqual(float(rows[0]["last_token_us"]), 45250)

    def test_colocated_decode_waits_while_its_worker_prefills(self):
        # A's first token at 5 ms, a 2 ms step to 7 ms. B arrives at 6 ms and computes
        # 6-11 ms on the same worker: A's next step waits for it (11-13 ms).
        row, rows = self.run_case([(0, 3, [1, 2, 3, 4]), (6, 1, [5, 6, 7, 8])], "workload.prefill_slots=2",
                                  decode_set(placement="colocated", step={"fixed": "2 ms"}))
        self.assertEqual(float(rows[0]["last_token_us"]), 13000)
        self.assertEqual(rows[1]["decode_start_us"], "")  # one output token: nothing to decode
        self.assertAlmostEqual(float(row["decode_stall_s"]), 0.004, places=12)
        self.assertEqual(float(row["tbt_max_us"]), 6000)
        self.assertEqual(float(row["tpot_p50_us"]), 4000)

    def test_kv_capacity_holds_sequences_back(self):
        # Each sequence reserves (400 + 5) x 1000 bytes: 500 KB holds one at a time.
        row, rows = self.run_case([(0, 5, [1, 2, 3, 4]), (0, 5, [5, 6, 7, 8])], "workload.prefill_slots=2", "workload.layerwise=false",
                                  decode_set(workers=1, kv_capacity="500 KB", step={"fixed": "10 ms", "per_sequence": "1 ms"},
                                             handover={"bandwidth": "0.4 GB/s"}))
        self.assertEqual([float(r["last_token_us"]) for r in rows], [50000, 94000])
        self.assertEqual(int(row["decode_kv_overflows"]), 0)


class MooncakeOnAPooledDisaggregatedCluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = temp_dir()
        cls.row = simulate(CLUSTER, out=cls.dir.name)
        cls.trace = mooncake_requests("conversation_trace")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_every_output_token_is_decoded_and_every_prompt_handed_over(self):
        decoded = [r for r in self.trace if r["output_length"] >= 2]
        self.assertEqual(int(self.row["requests"]), len(self.trace))
        self.assertEqual(int(self.row["decoded_requests"]), len(decoded))
        self.assertEqual(int(self.row["decode_tokens"]), sum(r["output_length"] - 1 for r in decoded))
        self.assertEqual(int(self.row["kv_handover_bytes"]), sum(r["input_length"] for r in decoded) * 327680)

    def test_the_shared_pool_serves_and_the_workers_share_the_load(self):
        self.assertGreater(float(self.row["pool_hit_ratio_blocks"]), 0.1)
        shares = sum(float(self.row[f"{t}_hit_ratio_blocks"]) for t in ("hbm", "dram", "pool", "s3"))
        self.assertAlmostEqual(shares, float(self.row["hit_ratio_blocks"]), places=12)
        self.assertEqual(int(self.row["prefill_workers"]), 4)
        self.assertGreater(int(self.row["worker_requests_min"]), len(self.trace) // 8)

    def test_cache_aware_routing_finds_more_prefix_than_round_robin(self):
        # Write-back keeps a session's newest chunks in its worker's own HBM and DRAM until
        # they are evicted, so only the worker that served its last turn can reuse them.
        with temp_dir() as d:
            rr = simulate(CLUSTER, "workload.workers.routing=\"round_robin\"", out=d)
        self.assertGreater(float(self.row["hit_ratio_blocks"]), float(rr["hit_ratio_blocks"]) + 0.02)
        self.assertLess(float(self.row["ttft_p50_us"]), float(rr["ttft_p50_us"]))

    def test_colocating_decode_with_prefill_stalls_decode_steps(self):
        def colocate(config):
            decode = config["workload"]["decode"]
            decode["placement"] = "colocated"
            del decode["workers"], decode["handover"]
            config["workload"]["trace"] = os.path.join(MOONCAKE, "conversation_trace.jsonl.zst")

        with temp_dir() as d:
            colocated = simulate(derived_config(CLUSTER, d, colocate), out=os.path.join(d, "out"))
        self.assertEqual(float(self.row["decode_stall_s"]), 0.0)
        self.assertGreater(float(colocated["decode_stall_s"]), 0.0)
        self.assertGreater(float(colocated["tbt_p99_us"]), 2 * float(self.row["tbt_p99_us"]))

    def test_the_same_seed_gives_the_same_csv(self):
        with temp_dir() as d:
            simulate(CLUSTER, out=d)
            with open(os.path.join(d, "results.csv")) as a, open(os.path.join(self.dir.name, "results.csv")) as b:
                self.assertEqual(a.read(), b.read())


class BadInput(unittest.TestCase):
    def error(self, config, *sets):
        return input_error(self, config, *sets)

    def test_worker_mistakes_name_their_json_path(self):
        self.assertIn("workload.workers.shared_from: the first tier (\"hbm\") is each worker's own",
                      self.error(POOL, "workload.workers.shared_from=\"hbm\""))
        self.assertIn("workload.workers.shared_from: no tier named \"ssd\"", self.error(POOL, "workload.workers.shared_from=\"ssd\""))
        self.assertIn("workload.workers.routing", self.error(POOL, "workload.workers.routing=\"random\""))
        self.assertIn("workload.workers.count", self.error(POOL, "workload.workers.count=0"))
        self.assertIn("workload.workers.shared_links[0]: link \"pool_get\" joins two tiers every worker has its own of",
                      self.error(POOL, "workload.workers.shared_from=\"s3\"", "workload.workers.shared_links=[\"pool_get\"]"))

    def test_decode_mistakes_name_their_json_path(self):
        self.assertIn("workload.decode: missing required key \"handover\"", self.error(CASES, decode_set(step={"fixed": "1 ms"})))
        self.assertIn("workload.decode.handover: colocated decode keeps the KV where the prefill left it",
                      self.error(CASES, decode_set(placement="colocated", step={"fixed": "1 ms"}, handover={"bandwidth": "1 GB/s"})))
        self.assertIn("workload.decode.step: a decode step must take time", self.error(CASES, decode_set(placement="colocated", step={})))
        self.assertIn("workload.decode.placement", self.error(CASES, decode_set(placement="remote", step={"fixed": "1 ms"})))
        self.assertIn("workload.decode.max_batch", self.error(CASES, decode_set(placement="colocated", max_batch=0, step={"fixed": "1 ms"})))
        self.assertIn("workload.decode.handover.bandwidth",
                      self.error(CASES, decode_set(step={"fixed": "1 ms"}, handover={"bandwidth": "fast"})))


if __name__ == "__main__":
    unittest.main()
