"""The KV-cache store driven through its API (the KVSS design's stages 8 and 10): load, store,
query, delete, set_priority, set_ttl and evict_policy as a JSON-lines trace. Hand-computed cases
(a delete then a load misses; a TTL expiry at the stated second; priorities evicted in order; a
policy switch from its moment on; refill and evict messages with their sizes and a refill's
latency), counts against an independent model (tests/reference/kv_store_model.py) on random
traces, namespace isolation, Mooncake requests mapped onto the API, `trace stats` on API
traces, and bad input."""
import json
import os
import random
import unittest

from tiersim_cli import ROOT, read_row, run, run_config, temp_dir
import kv_store_model

BLOCK_BYTES = 1024  # 4 tokens of 256 bytes
MOONCAKE = os.path.join(ROOT, "traces", "data", "mooncake", "conversation_trace.jsonl.zst")


def store_config(trace, dram_blocks=4, policy="lru", **workload):
    w = {"type": "kv_store", "trace": trace, "block_tokens": 4, "model": {"layers": 1, "bytes_per_token": 256}}
    w.update(workload)
    return {"name": "store", "description": "a test store", "seed": 0,
            "tiers": [{"name": "dram", "capacity": f"{dram_blocks * BLOCK_BYTES} B", "policy": policy}, {"name": "nvme"}],
            "links": [{"name": "nvme_read", "from": "nvme", "to": "dram", "bandwidth": "1 GB/s", "latency": "10 us"},
                      {"name": "nvme_write", "from": "dram", "to": "nvme", "bandwidth": "1 GB/s"}],
            "workload": w}


def write_calls(path, calls):
    with open(path, "w") as f:
        for c in calls:
            f.write(json.dumps(c) + "\n")
    return path


def replay(tmp, name, calls, **config):
    trace = write_calls(os.path.join(tmp, name + ".jsonl"), calls)
    return run_config(tmp, name, store_config(trace, **config))


def call(t, op, ids=None, **fields):
    c = {"t": t, "op": op}
    if ids is not None:
        c["hash_ids"] = ids
    c.update(fields)
    return c


class HandComputed(unittest.TestCase):
    def test_a_delete_then_a_load_misses(self):
        with temp_dir() as tmp:
            row = replay(tmp, "d", [call(0, "store", [1, 2]), call(1, "load", [1, 2]), call(2, "delete", [2]),
                                    call(3, "load", [1, 2]), call(4, "delete", [9])])
            self.assertEqual(int(row["dram_load_hits"]), 3)  # 1, 2, then 1
            self.assertEqual(int(row["load_missed_blocks"]), 1)
            self.assertEqual(int(row["deleted_blocks"]), 1)
            self.assertEqual(int(row["delete_absent_blocks"]), 1)
            self.assertEqual(int(row["dram_objects_end"]), 1)

    def test_a_ttl_expires_at_the_stated_second(self):
        with temp_dir() as tmp:
            row = replay(tmp, "t", [call(4, "store", [7], ttl_s=10), call(13.999, "load", [7]), call(14, "load", [7])])
            self.assertEqual(int(row["dram_load_hits"]), 1)
            self.assertEqual(int(row["load_missed_blocks"]), 1)
            self.assertEqual(int(row["expired_blocks"]), 1)
            # set_ttl restarts the clock: stored at 0 for 5 s, retagged at 4 for 5 more: gone at 9.
            row = replay(tmp, "r", [call(0, "store", [7], ttl_s=5), call(4, "set_ttl", [7], ttl_s=5), call(8.5, "load", [7]),
                                    call(9, "query", [7]), call(9, "load", [7])])
            self.assertEqual(int(row["dram_load_hits"]), 1)
            self.assertEqual(int(row["query_held_blocks"]), 0)
            self.assertEqual(int(row["retagged_blocks"]), 1)

    def test_an_expired_entry_leaves_tier_2_too(self):
        with temp_dir() as tmp:
            # 7 (ttl 10 s) is pushed down to NVMe by four newer blocks, and is gone from there at 10 s.
            row = replay(tmp, "n", [call(0, "store", [7], ttl_s=10), call(1, "store", [1, 2, 3, 4]), call(5, "load", [7]),
                                    call(6, "store", [5, 6, 8, 9]), call(10, "load", [7])])
            self.assertEqual(int(row["nvme_load_hits"]), 1)  # at 5 s, refilled
            self.assertEqual(int(row["load_missed_blocks"]), 1)  # at 10 s
            self.assertEqual(int(row["expired_blocks"]), 1)

    def test_priorities_are_evicted_lowest_first_then_by_the_policy(self):
        with temp_dir() as tmp:
            calls = [call(0, "store", [10], priority=5), call(1, "store", [11], priority=1), call(2, "store", [12]),
                     call(3, "store", [13], priority=5),
                     call(4, "store", [14]),   # full: 12 (priority 0) goes
                     call(5, "store", [15]),   # 14 (priority 0, the only one): goes
                     call(6, "store", [16]),   # 15 goes
                     call(7, "store", [17]),   # 16 goes
                     call(8, "query", [11]), call(9, "set_priority", [17], priority=9),
                     call(10, "store", [18]),  # 11 (priority 1) is now the lowest: goes
                     call(11, "load", [12])]   # refilled from NVMe, evicting 18 (priority 0)
            row = replay(tmp, "p", calls)
            self.assertEqual(int(row["evict_messages"]), 6)  # 12, 14, 15, 16, 11, 18
            self.assertEqual(int(row["evict_message_bytes"]), 6 * BLOCK_BYTES)
            self.assertEqual(int(row["refill_messages"]), 1)
            self.assertEqual(int(row["refill_message_bytes"]), BLOCK_BYTES)
            self.assertEqual(int(row["nvme_read_bytes"]), BLOCK_BYTES)
            self.assertEqual(int(row["nvme_write_bytes"]), 6 * BLOCK_BYTES)
            self.assertEqual(int(row["query_held_blocks"]), 1)
            # What stays: 10 and 13 (priority 5), 17 (9) and 12.
            row = replay(tmp, "q", calls + [call(12, "load", [10]), call(12, "load", [13]), call(12, "load", [17])])
            self.assertEqual(int(row["dram_load_hits"]), 3)
            # A refill waits for 10 us of latency and 1024 bytes at 1 GB/s.
            self.assertAlmostEqual(float(row["load_latency_p99_us"]), 11.024, delta=0.2)

    def test_a_policy_switch_applies_from_its_moment_on(self):
        # 1, 2, 3, 4 fill DRAM; a load of 1 makes it most recent (LRU order 2, 3, 4, 1). Under
        # LRU a load of 2 keeps it, the store of 5 evicts 3, 2 hits, and 3 is refilled. Switched
        # to FIFO first (order handed over: 2, 3, 4, 1), the load of 2 changes nothing, 5
        # evicts 2, whose refill evicts 3, which is refilled in turn.
        base = [call(0, "store", [1, 2, 3, 4]), call(1, "load", [1])]
        after = [call(3, "load", [2]), call(4, "store", [5]), call(5, "load", [2]), call(5, "load", [3])]
        switch = [call(2, "evict_policy", tier="dram", policy="fifo")]
        with temp_dir() as tmp:
            lru = replay(tmp, "lru", base + after)
            fifo = replay(tmp, "fifo", base + switch + after)
            late = replay(tmp, "late", base + after + [call(6, "evict_policy", tier="dram", policy="fifo")])
        self.assertEqual((int(lru["dram_load_hits"]), int(lru["refill_messages"])), (3, 1))
        self.assertEqual((int(fifo["dram_load_hits"]), int(fifo["refill_messages"])), (2, 2))
        self.assertEqual(int(fifo["policy_switches"]), 1)
        for key in ("dram_load_hits", "refill_messages", "evict_messages"):  # a switch after the calls changes none
            self.assertEqual(late[key], lru[key], key)

    def test_a_query_moves_nothing_and_tells_no_policy(self):
        with temp_dir() as tmp:
            row = replay(tmp, "q", [call(0, "store", [1, 2, 3, 4]), call(1, "query", [1]), call(2, "store", [5]),
                                    call(3, "load", [1])])
            self.assertEqual(int(row["refill_messages"]), 1)  # 1 was still least recent: evicted
            self.assertEqual(int(row["query_held_blocks"]), 1)


class Movement(unittest.TestCase):
    """Proactive promotion (the KVSS design's stage 2) against passive refills. Two DRAM slots;
    block 1 is loaded twice, then pushed down to NVMe by 2 and 3 at 3.5 s. The daemon (every
    second, min_uses 2) finds 1 at 4 s, worth more than the unused 2 and 3: 2 goes down (the
    coldest, by key among equals) and 1 comes up, so the load at 4.5 s hits DRAM."""

    BASE = [call(0.5, "store", [1]), call(1.5, "load", [1]), call(2.5, "load", [1]), call(3.5, "store", [2, 3])]

    def daemon(self, **changes):
        m = {"mode": "proactive", "controller": "daemon", "by": "frequency", "min_uses": 2, "scan_interval": "1 s",
             "bandwidth": "1 GB/s"}
        m.update(changes)
        return m

    def test_the_daemon_promotes_the_frequent_entry_ahead_of_its_load(self):
        with temp_dir() as tmp:
            calls = self.BASE + [call(4.5, "load", [1])]
            passive = replay(tmp, "p", calls, dram_blocks=2)
            daemon = replay(tmp, "d", calls, dram_blocks=2, movement=self.daemon())
        self.assertEqual((int(passive["dram_load_hits"]), int(passive["refill_messages"])), (2, 1))
        self.assertEqual((int(daemon["dram_load_hits"]), int(daemon["refill_messages"])), (3, 0))
        self.assertEqual(int(daemon["promotions"]), 1)
        self.assertEqual(int(daemon["promoted_used"]), 1)
        self.assertEqual(int(daemon["daemon_swaps"]), 1)
        self.assertEqual(int(daemon["evict_messages"]), 2)  # 1 at 3.5 s, 2 when swapped out
        self.assertEqual(daemon["movement"], "daemon")
        for row in (passive, daemon):  # both in the link's traffic
            self.assertEqual(int(row["nvme_read_bytes"]), (int(row["refill_messages"]) + int(row["promotions"])) * BLOCK_BYTES)
        self.assertLess(float(daemon["load_latency_mean_us"]), float(passive["load_latency_mean_us"]))

    def test_the_budget_and_the_threshold_hold_it_back(self):
        with temp_dir() as tmp:
            calls = self.BASE + [call(4.5, "load", [1])]
            small = replay(tmp, "s", calls, dram_blocks=2, movement=self.daemon(bandwidth="500 B/s"))  # 500 B a scan
            rare = replay(tmp, "r", calls, dram_blocks=2, movement=self.daemon(min_uses=3))
        for row in (small, rare):
            self.assertEqual(int(row["promotions"]), 0)
            self.assertEqual(int(row["refill_messages"]), 1)

    def test_a_load_waits_for_a_promotion_on_its_way(self):
        with temp_dir() as tmp:
            row = replay(tmp, "w", self.BASE + [call(4.000002, "load", [1])], dram_blocks=2, movement=self.daemon())
        self.assertEqual(int(row["load_in_flight_blocks"]), 1)
        self.assertEqual(int(row["dram_load_hits"]), 2)  # the two before
        self.assertEqual(int(row["refill_messages"]), 0)
        # Promoted at 4 s: 10 us of latency and 1024 bytes at 1 GB/s, the load 2 us later.
        self.assertAlmostEqual(float(row["load_latency_p99_us"]), 9.024, delta=0.2)

    def test_the_driver_promotes_what_its_query_found(self):
        driver = {"mode": "proactive", "controller": "driver"}
        calls = [call(0, "store", [1]), call(1, "store", [2, 3]), call(5, "query", [1]), call(6, "load", [1])]
        with temp_dir() as tmp:
            row = replay(tmp, "q", calls, dram_blocks=2, movement=driver)
            passive = replay(tmp, "qp", calls, dram_blocks=2)
            # The same query and load at once: the load finds the promotion on its way and waits.
            calls[-1]["t"] = 5
            at_once = replay(tmp, "q2", calls, dram_blocks=2, movement=driver)
        self.assertEqual((int(row["promotions"]), int(row["refill_messages"]), int(row["dram_load_hits"])), (1, 0, 1))
        self.assertEqual((int(passive["refill_messages"]), int(passive["dram_load_hits"])), (1, 0))
        self.assertEqual((int(at_once["load_in_flight_blocks"]), int(at_once["dram_load_hits"])), (1, 0))

    def test_by_ttl_the_longest_lived_comes_first(self):
        # Three slots: 1 (100 s to live) and 2 (50 s) are pushed down by 3, 4, 5; a delete frees
        # one slot; the daemon, by TTL, fills it with 1.
        with temp_dir() as tmp:
            calls = [call(0.5, "store", [1], ttl_s=100), call(0.5, "store", [2], ttl_s=50), call(1.5, "store", [3, 4, 5]),
                     call(2.5, "delete", [5]), call(3.5, "load", [1]), call(3.5, "load", [2])]
            row = replay(tmp, "t", calls, dram_blocks=3, movement=self.daemon(by="ttl"))
        self.assertEqual(int(row["promotions"]), 1)
        self.assertEqual(int(row["dram_load_hits"]), 1)  # 1
        self.assertEqual(int(row["refill_messages"]), 1)  # 2


class AgainstTheModel(unittest.TestCase):
    def random_calls(self, rng, n, instances=None):
        calls, t = [], 0.0
        for _ in range(n):
            t += rng.choice([0, 0.5, 1, 2])
            op = rng.choices(["load", "store", "query", "delete", "set_priority", "set_ttl", "evict_policy"],
                             weights=[30, 30, 8, 6, 8, 8, 2])[0]
            if op == "evict_policy":
                calls.append(call(t, op, tier="dram", policy=rng.choice(["lru", "fifo"])))
                continue
            first = rng.randrange(12)
            c = call(t, op, [first + i for i in range(rng.randrange(1, 5))])
            if op == "set_priority" or (op == "store" and rng.random() < 0.3):
                c["priority"] = rng.randrange(-2, 3)
            if op == "set_ttl" or (op == "store" and rng.random() < 0.2):
                c["ttl_s"] = rng.choice([0.5, 1, 3, 10])
            if instances:
                c["instance"] = rng.choice(instances)
            calls.append(c)
        return calls

    def test_counts_match_on_random_traces(self):
        rng = random.Random(7)
        keys = list(kv_store_model.StoreModel(1).c) + ["dram_objects_end", "nvme_objects_end"]
        with temp_dir() as tmp:
            for trial in range(12):
                calls = self.random_calls(rng, 400)
                capacity = rng.choice([2, 3, 5, 8])
                path = write_calls(os.path.join(tmp, f"r{trial}.jsonl"), calls)
                row = run_config(tmp, f"r{trial}", store_config(path, dram_blocks=capacity))
                expected = kv_store_model.replay(path, capacity)
                for key in keys:
                    self.assertEqual(int(row[key]), expected[key], f"trial {trial}, {key}")

    def test_no_entry_is_seen_across_instances(self):
        rng = random.Random(11)
        instances = ["a", "b", "c"]
        namespaces = {"scope": "instance", "instances": [{"name": x} for x in instances]}
        keys = ["dram_load_hits", "nvme_load_hits", "load_missed_blocks", "query_held_blocks", "stored_blocks", "deleted_blocks"]
        differs = []
        with temp_dir() as tmp:
            for trial in range(6):
                calls = [c for c in self.random_calls(rng, 300, instances) if c["op"] != "evict_policy"]
                path = write_calls(os.path.join(tmp, f"n{trial}.jsonl"), calls)
                row = run_config(tmp, f"n{trial}", store_config(path, dram_blocks=4, namespaces=namespaces))
                expected = kv_store_model.replay(path, 4, scoped=True)
                for key in keys:
                    self.assertEqual(int(row[key]), expected[key], f"trial {trial}, {key}")
                shared = kv_store_model.replay(path, 4)
                differs.append(any(shared[key] != expected[key] for key in keys))
        self.assertTrue(any(differs))  # sharing would have answered otherwise


    def test_movement_never_loses_an_entry(self):
        # Promotion only copies up and demotion writes down: what the store holds anywhere, and
        # so what loads miss, is the same under every movement control.
        rng = random.Random(3)
        movements = [{"mode": "proactive", "controller": "driver"},
                     {"mode": "proactive", "controller": "daemon", "scan_interval": "0.5 s", "bandwidth": "4 KB/s", "min_uses": 1},
                     {"mode": "proactive", "controller": "daemon", "by": "ttl", "scan_interval": "1 s", "bandwidth": "1 MB/s"}]
        promoted = [0] * len(movements)
        with temp_dir() as tmp:
            for trial in range(4):
                calls = self.random_calls(rng, 300)
                path = write_calls(os.path.join(tmp, f"m{trial}.jsonl"), calls)
                passive = run_config(tmp, f"p{trial}", store_config(path, dram_blocks=3))
                for i, movement in enumerate(movements):
                    row = run_config(tmp, f"m{trial}_{i}", store_config(path, dram_blocks=3, movement=movement))
                    self.assertEqual(row["load_missed_blocks"], passive["load_missed_blocks"], movement)
                    self.assertEqual(row["query_held_blocks"], passive["query_held_blocks"], movement)
                    self.assertLessEqual(int(row["promoted_used"]) + int(row["promoted_wasted"]), int(row["promotions"]))
                    promoted[i] += int(row["promotions"])
        self.assertTrue(all(promoted), promoted)  # each control moved something


class MooncakeOnTheApi(unittest.TestCase):
    def test_a_mooncake_trace_is_its_query_load_store_calls(self):
        with temp_dir() as tmp:
            api = os.path.join(tmp, "conversation_api.jsonl")
            run("trace", "to-api", MOONCAKE, "-o", api)
            config = store_config(MOONCAKE, dram_blocks=200, block_tokens=512, model="llama3_8b")
            config["tiers"][0]["capacity"] = "20 GiB"
            direct = run_config(tmp, "direct", config)
            config["workload"]["trace"] = api
            mapped = run_config(tmp, "mapped", config)
            for key in direct:
                if key != "config_hash":
                    self.assertEqual(direct[key], mapped[key], key)
            self.assertEqual(int(direct["query_calls"]), int(direct["load_calls"]))
            # An unlimited tier 2 holds every block stored: the load hit ratio is an unbounded
            # prefix cache's, as `trace stats` gives it for both forms of the trace.
            stats = json.loads(run("trace", "stats", MOONCAKE, "--json").stdout)
            api_stats = json.loads(run("trace", "stats", api, "--json").stdout)
            self.assertAlmostEqual(float(direct["load_hit_ratio"]), stats["unbounded_hit_ratio_blocks"], places=12)
            self.assertAlmostEqual(api_stats["load_hit_ratio"], stats["unbounded_hit_ratio_blocks"], places=12)
            self.assertGreater(int(direct["nvme_load_hits"]), int(direct["dram_load_hits"]))  # 20 GiB of DRAM is small here
            self.assertGreater(int(direct["refill_messages"]), 0)
            self.assertGreater(int(direct["evict_messages"]), 0)


class TraceStats(unittest.TestCase):
    def test_calls_by_op_and_an_unbounded_store(self):
        with temp_dir() as tmp:
            path = write_calls(os.path.join(tmp, "s.jsonl"), [
                call(0, "store", [1, 2, 3], ttl_s=5), call(1, "load", [1, 2, 3, 4]), call(2, "delete", [2]),
                call(3, "load", [1, 2]), call(6, "load", [1]), call(6, "evict_policy", tier="dram", policy="lfu")])
            stats = json.loads(run("trace", "stats", path, "--block-tokens", 4, "--json").stdout)
            self.assertEqual(stats["kind"], "api")
            self.assertEqual(stats["load_calls"], 3)
            self.assertEqual(stats["evict_policy_calls"], 1)
            self.assertEqual(stats["load_blocks"], 4 + 2 + 1)
            self.assertEqual(stats["load_hit_blocks"], 3 + 1)  # 1, 2, 3; then 1; at 6 s all expired
            self.assertEqual(stats["deleted_blocks"], 1)
            self.assertEqual(stats["expired_blocks"], 2)


class BadInput(unittest.TestCase):
    def fails(self, calls, says, top=None, **config):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "bad.jsonl")
            with open(trace, "w") as f:
                for c in calls:
                    f.write((c if isinstance(c, str) else json.dumps(c)) + "\n")
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                json.dump({**store_config(trace, **config), **(top or {})}, f)
            out = os.path.join(tmp, "out")
            p = run("run", path, "--out", out, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            for text in says:
                self.assertIn(text, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))

    def test_each_mistake_names_its_line(self):
        ok = call(0, "store", [1])
        self.fails([ok, call(1, "fetch", [1])], ["bad.jsonl:2", "\"op\" is \"fetch\"", "load, store, query"])
        self.fails([ok, call(1, "set_priority", [1], priority="high")], ["bad.jsonl:2", "\"priority\" is \"high\"", "integer"])
        self.fails([ok, call(1, "set_priority", [1], priority=2.5)], ["bad.jsonl:2", "priority"])
        self.fails([ok, call(1, "set_ttl", [1], ttl_s="10")], ["bad.jsonl:2", "\"ttl_s\" is \"10\""])
        self.fails([ok, call(1, "set_ttl", [1], ttl_s=-1)], ["bad.jsonl:2", "more than 0"])
        self.fails([ok, call(1, "set_ttl", [1])], ["bad.jsonl:2", "needs \"ttl_s\""])
        self.fails([ok, call(1, "load", [1], priority=3)], ["bad.jsonl:2", "does not apply to load"])
        self.fails([call(5, "store", [1]), call(4, "load", [1])], ["bad.jsonl:2", "earlier than the line before"])
        self.fails([ok, call(1, "load")], ["bad.jsonl:2", "missing \"hash_ids\""])
        self.fails([ok, "{\"t\": 1, \"op\": "], ["bad.jsonl:2", "not valid JSON"])
        self.fails([ok, call(1, "load", [1], model="m9")], ["bad.jsonl:2", "model \"m9\" is not in"])
        self.fails([ok, call(1, "evict_policy", tier="ssd", policy="lru")], ["bad.jsonl:2", "tier \"ssd\" is not a cache tier"])
        self.fails([ok, call(1, "evict_policy", tier="dram", policy="mru")], ["bad.jsonl:2", "unknown policy \"mru\""])
        self.fails([ok, call(1, "evict_policy", tier="dram", policy="belady")], ["bad.jsonl:2", "Belady"])
        self.fails([ok], ["workload.movement.controller", "driver, daemon"], movement={"mode": "proactive", "controller": "cron"})
        self.fails([ok], ["inclusion", "inclusive"], top={"inclusion": "exclusive"})
        self.fails([ok], ["workload.movement.scan_interval"], movement={"mode": "proactive", "controller": "daemon", "scan_interval": "0 s"})


if __name__ == "__main__":
    unittest.main()
