"""End-to-end: tiersim trace stats on KV-cache request traces (Mooncake's JSON lines):
the published traces' size and the hit ratio an unbounded prefix cache reaches on them,
and bad lines reported with file:line."""
import json
import os
import tempfile
import unittest

from tiersim_cli import MOONCAKE, ROOT, run



class KvTraceStats(unittest.TestCase):
    def stats(self, name):
        p = run("trace", "stats", os.path.join(MOONCAKE, name), "--json", "--kv-bytes-per-token", "320 KB")
        return json.loads(p.stdout)

    def test_the_conversation_trace_is_read_whole_and_near_its_published_cache_ratio(self):
        s = self.stats("conversation_trace.jsonl.zst")
        self.assertEqual(s["kind"], "kv")
        self.assertEqual(s["requests"], 12031)
        self.assertEqual(s["block_lookups"], 288500)
        self.assertEqual(s["block_tokens"], 512)
        # The Mooncake paper's Table 2 gives a 40 % cache ratio for this trace.
        self.assertAlmostEqual(s["unbounded_hit_ratio_blocks"], 0.40, delta=0.04)
        self.assertGreater(s["unbounded_hit_ratio_tokens"], s["unbounded_hit_ratio_blocks"] * 0.95)
        self.assertLess(s["unique_blocks"], s["block_lookups"])
        self.assertEqual(s["working_set_bytes"], s["unique_tokens"] * 320e3)

    def test_the_synthetic_trace_reuses_more(self):
        s = self.stats("synthetic_trace.jsonl.zst")
        self.assertEqual(s["requests"], 3993)
        self.assertAlmostEqual(s["unbounded_hit_ratio_blocks"], 0.66, delta=0.04)  # published: 66 %

    def test_bad_lines_name_the_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.jsonl")
            with open(path, "w") as f:
                f.write('{"timestamp": 0, "input_length": 1024, "output_length": 5, "hash_ids": [1, 2]}\n')
                f.write('{"timestamp": 1, "input_length": 600, "output_length": 5, "hash_ids": [1, 2, 3]}\n')
            p = run("trace", "stats", path, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("bad.jsonl:2:", p.stderr)
            self.assertIn("more blocks than the tokens allow", p.stderr)
            self.assertEqual(p.stdout, "")
            # With 256-token blocks the first line already disagrees (1024 tokens make 4 blocks).
            p = run("trace", "stats", path, "--block-tokens", "256", check=False)
            self.assertIn("bad.jsonl:1:", p.stderr)
            p = run("trace", "stats", path, "--kv-bytes-per-token", "lots", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--kv-bytes-per-token", p.stderr)


if __name__ == "__main__":
    unittest.main()
