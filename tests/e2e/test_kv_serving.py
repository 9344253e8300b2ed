"""End-to-end: tiersim run on kv_cache workloads. TTFT against hand-computed cases (full
miss, half hit with and without layerwise overlap, full hit in HBM and from DRAM), the
Mooncake trace through four tiers against the hit ratio published for it, the chunk-size
trade-off, compression on and off, the object store's rate limit, synthetic traces, and
bad input."""
import csv
import json
import os
import unittest

from tiersim_cli import MOONCAKE, ROOT, read_config, read_row, run, temp_dir

CASES = os.path.join(ROOT, "tests", "data", "kv", "ttft_cases.json")
FOUR_TIERS = os.path.join(ROOT, "configs", "kv_mooncake_4tier.json")
CHAT = os.path.join(ROOT, "configs", "kv_synthetic_chat.json")


def simulate(config, *sets, out):
    args = ["run", config, "--out", out, "--quiet"]
    for s in sets:
        args += ["--set", s]
    run(*args)
    return read_row(os.path.join(out, "results.csv"))


def derived_config(base, directory, change):
    """A copy of `base` with `change(config)` applied, written into `directory` (its
    hardware path made absolute so it runs from anywhere)."""
    config = read_config(base)
    change(config)
    path = os.path.join(directory, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def requests(out):
    with open(os.path.join(out, "requests.csv"), newline="") as f:
        return list(csv.DictReader(f))


class HandComputedTtft(unittest.TestCase):
    """tests/data/kv/ttft_cases.json: 100-token chunks of 100 KB over 0.1 GB/s links (1 ms
    a chunk), 4 layers, prefill 1 ms + 10 us a token, HBM holding 4 chunks."""

    def ttfts(self, *sets):
        with temp_dir() as d:
            simulate(CASES, *sets, out=d)
            return [float(r["ttft_us"]) for r in requests(d)], requests(d)

    def test_layerwise(self):
        ttft, rows = self.ttfts()
        # A, then B: full misses, 400 tokens: 1 ms + 4 ms.
        self.assertEqual(ttft[0], 5000)
        self.assertEqual(ttft[1], 5000)
        # C shares A's first two chunks, which B's evicted to DRAM: T = 2 ms of loading,
        # P = 1 ms + 200 x 10 us = 3 ms over 4 layers: max(T + P/4, T/4 + P) = 3.5 ms.
        self.assertEqual(rows[2]["cached_tokens"], "200")
        self.assertEqual(float(rows[2]["load_us"]), 2000)
        self.assertEqual(ttft[2], 3500)
        # D repeats C: a full hit in HBM; the last token is still computed: 1 ms + 10 us.
        self.assertEqual(ttft[3], 1010)
        # E repeats B, all four chunks now in DRAM: T = 4 ms, P = 1.01 ms:
        # max(4 + 1.01/4, 4/4 + 1.01) = 4.2525 ms.
        self.assertEqual(ttft[4], 4252.5)

    def test_without_layerwise_overlap_loading_and_compute_add_up(self):
        ttft, _ = self.ttfts("workload.layerwise=false")
        self.assertEqual(ttft, [5000, 5000, 5000, 1010, 5010])

    def test_a_faster_link_makes_the_half_hit_compute_bound(self):
        # 1 GB/s: T = 0.2 ms; max(0.2 + 0.75, 0.05 + 3) = 3.05 ms.
        ttft, _ = self.ttfts("links[0].bandwidth=\"1 GB/s\"", "links[1].bandwidth=\"1 GB/s\"")
        self.assertEqual(ttft[2], 3050)

    def test_one_prefill_slot_queues_requests_that_arrive_together(self):
        with temp_dir() as d:
            path = os.path.join(d, "same_time.jsonl")
            with open(path, "w") as f:
                for ids in ([1, 2, 3, 4], [5, 6, 7, 8]):
                    f.write(json.dumps({"timestamp": 0, "input_length": 400, "output_length": 1, "hash_ids": ids}) + "\n")
            simulate(CASES, f"workload.trace=\"{path}\"", out=d)
            rows = requests(d)
            self.assertEqual([float(r["queue_wait_us"]) for r in rows], [0, 5000])
            self.assertEqual([float(r["ttft_us"]) for r in rows], [5000, 10000])
            simulate(CASES, f"workload.trace=\"{path}\"", "workload.prefill_slots=2", out=d)
            self.assertEqual([float(r["ttft_us"]) for r in requests(d)], [5000, 5000])


class ServedWindowAndDrain(unittest.TestCase):
    """The hand-computed cases with every new chunk written through to DRAM over a d2h link
    of 0.005 GB/s (20 ms a chunk): the writes outlast the requests."""

    def test_time_ends_with_the_last_request_and_the_drain_is_reported_apart(self):
        with temp_dir() as d:
            args = ["run", CASES, "--set", 'workload.write={"through":["dram"]}', "--set", 'links.d2h.bandwidth="0.005 GB/s"',
                    "--out", d]
            p = run(*args)
            row = read_row(os.path.join(d, "results.csv"))
            last_first_token = max(float(r["first_token_us"]) for r in requests(d))
            self.assertAlmostEqual(float(row["sim_time_s"]), last_first_token / 1e6, places=9)
            # Ten chunks were written (20 ms each) from 5 ms on; eight were still to deliver
            # when the last request was served at 54.2525 ms, and the last lands at 205 ms.
            self.assertEqual(int(row["d2h_transfers"]), 10)
            self.assertEqual(int(row["drain_bytes"]), 8 * 100_000)
            self.assertAlmostEqual(float(row["drain_s"]), 0.205 - 0.0542525, places=9)
            # Utilization over the served window: busy since the first write began at 5 ms.
            self.assertAlmostEqual(float(row["d2h_utilization"]), (0.0542525 - 0.005) / 0.0542525, places=9)
            self.assertIn("warning: the links were still moving", p.stderr)
            self.assertIn("busiest link while serving: d2h", p.stderr)

    def test_no_backlog_no_drain(self):
        with temp_dir() as d:
            row = simulate(CASES, out=d)
            self.assertEqual(float(row["drain_s"]), 0.0)
            self.assertEqual(int(row["drain_bytes"]), 0)


class MooncakeThroughFourTiers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = temp_dir()
        cls.row = simulate(FOUR_TIERS, out=cls.dir.name)
        stats = run("trace", "stats", os.path.join(MOONCAKE, "conversation_trace.jsonl.zst"), "--json")
        cls.unbounded = json.loads(stats.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_every_request_and_block_is_served(self):
        self.assertEqual(int(self.row["requests"]), 12031)
        self.assertEqual(int(self.row["block_lookups"]), 288500)

    def test_hit_ratio_matches_the_unbounded_cache_and_the_published_figure(self):
        # S3 keeps everything written back, so the hierarchy as a whole is nearly an
        # unbounded prefix cache: only requests prefilling at once miss each other's chunks.
        hit = float(self.row["hit_ratio_blocks"])
        self.assertLessEqual(hit, self.unbounded["unbounded_hit_ratio_blocks"] + 1e-12)
        self.assertGreater(hit, self.unbounded["unbounded_hit_ratio_blocks"] - 0.005)
        self.assertAlmostEqual(hit, 0.40, delta=0.04)  # Mooncake (FAST'25), Table 2: 40 %

    def test_per_tier_hit_ratios_add_up_and_every_tier_serves(self):
        tiers = ["hbm", "dram", "nvme", "s3"]
        for unit in ("blocks", "tokens"):
            total = sum(float(self.row[f"{t}_hit_ratio_{unit}"]) for t in tiers)
            self.assertAlmostEqual(total, float(self.row[f"hit_ratio_{unit}"]), places=9)
        for t in tiers:
            self.assertGreater(float(self.row[f"{t}_hit_ratio_blocks"]), 0, t)
        # Every chunk found in S3 is one GET; every chunk S3 stores is one PUT.
        self.assertEqual(int(self.row["store_get_requests"]), int(self.row["s3_get_transfers"]))
        self.assertEqual(int(self.row["store_put_requests"]), int(self.row["s3_inserts"]))
        saved = int(self.row["prefill_tokens_saved"])
        self.assertEqual(saved + int(self.row["prefill_tokens"]), int(self.row["input_tokens"]))
        self.assertLessEqual(float(self.row["ttft_p50_us"]), float(self.row["ttft_p90_us"]))
        self.assertLessEqual(float(self.row["ttft_p90_us"]), float(self.row["ttft_p99_us"]))
        self.assertGreater(float(self.row["total_cost_usd"]), 0)

    def test_the_same_seed_gives_the_same_csv(self):
        with temp_dir() as d:
            simulate(FOUR_TIERS, out=d)
            with open(os.path.join(d, "results.csv")) as a, open(os.path.join(self.dir.name, "results.csv")) as b:
                self.assertEqual(a.read(), b.read())


class StreamedRequests(unittest.TestCase):
    """Requests are read as they arrive: a cap stops the reading, and a request log past its
    row limit stops the run (no results written), wherever in the trace that falls."""

    def test_a_cap_and_a_row_limit(self):
        with temp_dir() as tmp:
            capped = os.path.join(tmp, "capped")
            run("run", FOUR_TIERS, "--set", "workload.max_requests=1000", "--out", capped, "--quiet")
            self.assertEqual(int(read_row(os.path.join(capped, "results.csv"))["requests"]), 1000)
            out = os.path.join(tmp, "log")
            p = run("run", FOUR_TIERS, "--set", "workload.request_log=true", "--set", "workload.request_log_max_rows=500",
                    "--out", out, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("workload.request_log_max_rows", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))


class ChunkSizeAndCompression(unittest.TestCase):
    """The synthetic chat config, cut to 4,000 requests, with a 20 GiB NVMe cache so that
    chunks reach S3."""

    def chat(self, *sets, change=None):
        with temp_dir() as d:
            config = derived_config(CHAT, d, change) if change else CHAT
            return simulate(config, "workload.generator.requests=4000", "tiers[2].capacity=\"20 GiB\"", *sets, out=d)

    def test_chunk_size_trades_reuse_for_fewer_larger_object_store_requests(self):
        rows = {c: self.chat(f"workload.chunk_tokens={c}") for c in (16, 64, 256, 1024)}
        hits = [float(rows[c]["hit_ratio_tokens"]) for c in sorted(rows)]
        puts = [int(rows[c]["store_put_requests"]) for c in sorted(rows)]
        # Bigger chunks: a prompt that diverges inside a chunk loses all of it...
        self.assertEqual(hits, sorted(hits, reverse=True))
        self.assertGreater(hits[0] - hits[-1], 0.05)
        # ...but S3 sees fewer, larger requests, each paying its latency once: less link
        # time per byte written.
        self.assertEqual(puts, sorted(puts, reverse=True))
        per_byte = [float(rows[c]["s3_put_service_s"]) / max(1, int(rows[c]["s3_put_bytes"])) for c in sorted(rows)]
        self.assertEqual(per_byte, sorted(per_byte, reverse=True))

    def test_compression_shrinks_what_s3_moves_and_stores_at_the_cost_of_codec_time(self):
        on = self.chat()
        off = self.chat(change=lambda c: c["tiers"][-1].pop("compression"))
        ratio = 3.5
        self.assertEqual(int(on["store_put_requests"]), int(off["store_put_requests"]))
        self.assertAlmostEqual(int(on["s3_put_bytes"]) * ratio, int(off["s3_put_bytes"]), delta=int(on["s3_put_transfers"]) * ratio)
        self.assertEqual(int(on["s3_encode_bytes"]), int(off["s3_put_bytes"]))
        self.assertGreater(float(on["s3_encode_busy_s"]), 0)
        self.assertLess(float(on["s3_storage_cost_usd"]), float(off["s3_storage_cost_usd"]) / 3)
        self.assertNotIn("s3_encode_bytes", off)
        self.assertEqual(on["compression_ratio"], "3.5")

    def test_the_rate_limit_throttles_and_retries_every_request_until_it_succeeds(self):
        free = self.chat("tiers.s3.object_store={}")
        limited = self.chat("tiers.s3.object_store={\"put_rate\": 20, \"backoff\": \"100 ms\"}")
        self.assertEqual(int(free["store_throttled"]), 0)
        self.assertGreater(int(limited["store_throttled"]), 0)
        self.assertGreater(float(limited["store_backoff_s"]), 0)
        self.assertEqual(int(limited["store_put_requests"]), int(free["store_put_requests"]))


class SyntheticTraces(unittest.TestCase):
    def test_gen_kv_writes_a_trace_that_stats_and_runs_read_back(self):
        with temp_dir() as d:
            trace = os.path.join(d, "chat.jsonl")
            run("trace", "gen-kv", CHAT, "--set", "workload.generator.requests=3000", "-o", trace)
            stats = json.loads(run("trace", "stats", trace, "--block-tokens", "16", "--json").stdout)
            self.assertEqual(stats["requests"], 3000)
            self.assertGreater(stats["unbounded_hit_ratio_blocks"], 0.5)  # conversations and system prompts
            # Replaying the written trace gives the generator's own results.
            generated = simulate(CHAT, "workload.generator.requests=3000", out=os.path.join(d, "a"))
            def from_file(config):
                del config["workload"]["generator"]
                config["workload"]["trace"] = trace
            replayed = simulate(derived_config(CHAT, d, from_file), out=os.path.join(d, "b"))
            for key in ("block_lookups", "hit_ratio_blocks", "ttft_p99_us", "s3_put_bytes"):
                self.assertEqual(generated[key], replayed[key], key)


def input_error(test, config, *sets):
    """Runs `config` with `sets`, asserts exit 2 and no output left behind; returns stderr."""
    with temp_dir() as d:
        args = ["run", config, "--out", os.path.join(d, "out"), "--quiet"]
        for s in sets:
            args += ["--set", s]
        p = run(*args, check=False)
        test.assertEqual(p.returncode, 2, p.stderr)
        test.assertFalse(os.path.exists(os.path.join(d, "out")))
        return p.stderr


class BadInput(unittest.TestCase):
    def error(self, *sets, config=CASES):
        return input_error(self, config, *sets)

    def test_config_mistakes_name_their_json_path(self):
        self.assertIn("workload.chunk_tokens: chunk_tokens 150 is not a multiple of block_tokens 100", self.error("workload.chunk_tokens=150"))
        self.assertIn("workload.model: unknown model preset \"gpt5\"", self.error("workload.model=\"gpt5\""))
        self.assertIn("workload.write.through[0]: no tier named \"ssd\"", self.error("workload.write={\"through\": [\"ssd\"]}"))
        self.assertIn("workload.prefill.per_token", self.error("workload.prefill.per_token=\"-3 us\""))
        self.assertIn("tiers[1].compression.ratio", self.error("tiers.dram.compression={\"ratio\": 0.5, \"encode\": \"1 GB/s\", \"decode\": \"1 GB/s\"}"))
        self.assertIn("tiers[1].compression", self.error("workload.compression={\"ratio\": 2, \"encode\": \"1 GB/s\", \"decode\": \"1 GB/s\"}"))
        self.assertIn("Belady", self.error("tiers[0].policy=\"belady\""))
        self.assertIn("add a link from \"hbm\" to \"dram\"", self.error("links=[{\"name\": \"h2d\", \"from\": \"dram\", \"to\": \"hbm\", \"bandwidth\": \"1 GB/s\"}]"))

    def test_a_bad_trace_line_names_the_file_and_line(self):
        with temp_dir() as d:
            path = os.path.join(d, "bad.jsonl")
            with open(path, "w") as f:
                f.write('{"timestamp": 0, "input_length": 200, "output_length": 1, "hash_ids": [1, 2]}\n')
                f.write('{"timestamp": 1, "input_length": 100, "output_length": 1, "hash_ids": [1, 2, 3]}\n')
            self.assertIn(f"{path}:2:", self.error(f"workload.trace=\"{path}\""))
            self.assertIn("more blocks than the tokens allow", self.error(f"workload.trace=\"{path}\""))

    def test_the_real_backend_says_it_does_not_replay_kv_workloads(self):
        p = run("run", CASES, "--backend", "real", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("simulated only", p.stderr)


if __name__ == "__main__":
    unittest.main()
