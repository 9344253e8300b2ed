"""Cache discovery (the KVSS design's stage 9) and its miss cost, worked out by hand: three
requests 10 s apart, the third one's prefix evicted from the first tier to the remote one.
"always" queries the remote tiers before every lookup; "prefix_map" answers locally and lets
only chunks loaded from remote tiers wait for the query; "hint" spares a request whose session
came before."""
import csv
import json
import os
import unittest

from tiersim_cli import run, run_config, temp_dir, two_tier_kv

BLOCK = 16


def config(trace, discovery=None):
    # Two chunks of 16 tokens x 128 KiB fit the first tier.
    return two_tier_kv(trace, hbm="4 MiB", bandwidth="10 GB/s", prefill={"fixed": "1 ms", "per_token": "10 us"},
                       discovery=discovery)


def trace(tmp, sessions=("s", None, "s")):
    path = os.path.join(tmp, "t.jsonl")
    with open(path, "w") as f:
        for i, (ids, session) in enumerate(zip([[1, 2], [3, 4], [1, 2]], sessions)):
            r = {"timestamp": i * 10000, "input_length": 2 * BLOCK, "output_length": 1, "hash_ids": ids}
            if session:
                r["session"] = session
            f.write(json.dumps(r) + "\n")
    return path


class Discovery(unittest.TestCase):
    def test_each_mode_pays_what_it_should(self):
        with temp_dir() as tmp:
            t = trace(tmp)
            local = run_config(tmp, "local", config(t))
            self.assertEqual(local["discovery"], "local")
            self.assertGreater(int(local["store_hits"]), 0)  # the third request's prefix is remote
            base = float(local["ttft_mean_us"])
            rows = {mode: run_config(tmp, mode, config(t, {"mode": mode, "query_latency": "1 ms"}))
                    for mode in ("always", "prefix_map", "hint")}
            # always: every request waits the query: +1 ms each.
            self.assertAlmostEqual(float(rows["always"]["ttft_mean_us"]) - base, 1000, delta=1)
            self.assertEqual(int(rows["always"]["discovery_queries"]), 3)
            self.assertAlmostEqual(float(rows["always"]["discovery_miss_cost_mean_us"]), 1000)
            # prefix_map: all three miss locally and ask; only the third loads remote chunks.
            self.assertAlmostEqual(float(rows["prefix_map"]["ttft_mean_us"]) - base, 1000 / 3, delta=1)
            self.assertEqual(int(rows["prefix_map"]["discovery_queries"]), 3)
            self.assertEqual(int(rows["prefix_map"]["discovery_delayed_requests"]), 1)
            # hint: the third request's session came with the first: nothing to wait for.
            self.assertAlmostEqual(float(rows["hint"]["ttft_mean_us"]), base, delta=1)
            self.assertEqual(int(rows["hint"]["discovery_delayed_requests"]), 0)
            for row in rows.values():
                self.assertEqual(row["hit_ratio_blocks"], local["hit_ratio_blocks"])  # discovery costs time, not hits

    def test_a_hint_prefetches_while_the_request_queues(self):
        # Four 2 MiB chunks fit. Session s's prefix [1, 2] is pushed to the store by [3, 4, 6, 7];
        # a one-chunk request takes the only prefill slot (for 5 ms) just before s comes back at 20 s.
        # With prefetch the hint fetches [1, 2] at 20 s, while s queues; without, s loads
        # them once it starts. The same hits; only s's load moves earlier.
        with temp_dir() as tmp:
            path = os.path.join(tmp, "q.jsonl")
            rows = [(0, [1, 2], "s"), (10000, [3, 4, 6, 7], None), (19999, [8], None), (20000, [1, 2], "s")]
            with open(path, "w") as f:
                for ms, ids, session in rows:
                    r = {"timestamp": ms, "input_length": len(ids) * BLOCK, "output_length": 1, "hash_ids": ids}
                    if session:
                        r["session"] = session
                    f.write(json.dumps(r) + "\n")
            results = {}
            for prefetch in (False, True):
                c = two_tier_kv(path, hbm="8 MiB", bandwidth="10 GB/s", prefill={"fixed": "5 ms", "per_token": "10 us"},
                                discovery={"mode": "hint", "prefetch": prefetch}, request_log=True)
                name = f"p{int(prefetch)}"
                results[prefetch] = run_config(tmp, name, c)
                with open(os.path.join(tmp, name, "requests.csv")) as f:
                    results[prefetch]["log"] = list(csv.DictReader(f))
        off, on = results[False], results[True]
        self.assertEqual(on["hit_ratio_blocks"], off["hit_ratio_blocks"])
        self.assertEqual(int(on["discovery_prefetched_chunks"]), 2)
        self.assertEqual(int(on["discovery_prefetch_used"]), 2)
        self.assertEqual(int(on["discovery_prefetch_waits"]), 0)  # landed before the slot was free
        self.assertEqual(float(on["log"][3]["load_us"]), 0.0)
        self.assertGreater(float(off["log"][3]["load_us"]), 400)  # 4 MiB at 10 GB/s
        self.assertLess(float(on["ttft_mean_us"]), float(off["ttft_mean_us"]))

    def test_bad_modes_and_tiers_are_named(self):
        with temp_dir() as tmp:
            t = trace(tmp)
            for discovery, says in [({"mode": "sometimes"}, "workload.discovery.mode"),
                                    ({"mode": "always", "remote_from": "hbm"}, "workload.discovery.remote_from"),
                                    ({"mode": "always", "remote_from": "nvme"}, "a tier below the first"),
                                    ({"mode": "prefix_map", "prefetch": True}, "workload.discovery.prefetch")]:
                path = os.path.join(tmp, "c.json")
                with open(path, "w") as f:
                    json.dump(config(t, discovery), f)
                p = run("run", path, "--out", os.path.join(tmp, "x"), check=False)
                with self.subTest(discovery=discovery):
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn(says, p.stderr)


if __name__ == "__main__":
    unittest.main()
