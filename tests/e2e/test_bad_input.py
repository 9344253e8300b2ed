"""Bad input that used to crash tiersim or pass silently: each is now one clear error naming
the place, a non-zero exit and no results written."""
import csv
import json
import os
import subprocess
import unittest

from tiersim_cli import ROOT, read_config, run, temp_dir

QUICK = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class BadInput(unittest.TestCase):
    def fails(self, *args, code=2):
        p = run(*args, check=False)
        self.assertEqual(p.returncode, code, p.stderr)
        self.assertLess(len(p.stderr), 2000)  # the offending value is shortened
        return p.stderr

    def test_json_nested_100000_deep_is_refused_before_it_is_parsed(self):
        deep = "[" * 100000 + "]" * 100000
        with temp_dir() as tmp:
            sweep = write(tmp, "deep.json", json.dumps({"base": QUICK, "grid": {"workload.mode": []}})[:-2] + deep + "}}")
            self.assertIn("JSON nested more than 256 levels deep", self.fails("sweep", sweep, "--out", os.path.join(tmp, "o"), "--dry-run"))
            config = write(tmp, "deep_config.json", '{"name": ' + deep + "}")
            self.assertIn("deep_config.json:1:", self.fails("run", config, "--out", os.path.join(tmp, "o2")))
            trace = write(tmp, "deep.jsonl", '{"timestamp": 0, "input_length": 1, "output_length": 1, "hash_ids": ' + deep + "}\n")
            self.assertIn("deep.jsonl:1:", self.fails("trace", "stats", trace))
            self.assertNotIn("deep.jsonl:1:1:", self.fails("trace", "stats", trace))
            self.assertFalse(os.path.exists(os.path.join(tmp, "o2", "results.csv")))

    def test_seed_and_name_can_be_swept_but_not_the_whole_workload(self):
        with temp_dir() as tmp:
            sweep = write(tmp, "sn.json", json.dumps({"base": QUICK, "set": {"workload.generator.steps": 20},
                                                      "grid": {"seed": [1, 2], "name": ["a", "b"]}}))
            out = os.path.join(tmp, "sn")
            run("sweep", sweep, "--out", out, "--quiet")
            with open(os.path.join(out, "results.csv")) as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([(r["seed"], r["name"]) for r in rows], [("1", "a"), ("1", "b"), ("2", "a"), ("2", "b")])
            self.assertNotEqual(rows[0]["config_hash"], rows[2]["config_hash"])
            refused = (({"grid": {"seed": [1, 2]}, "repeats": 2}, "repeats: 2 with \"seed\" varied"),
                       ({"grid": {"workload": [{}, {}]}}, "the workload cannot be swapped whole"),
                       ({"name": 5, "grid": {"seed": [1]}}, "name: expected a string (the sweep's name), got 5"))
            for k, (extra, says) in enumerate(refused):
                sweep = write(tmp, f"r{k}.json", json.dumps({"base": QUICK, **extra}))
                out = os.path.join(tmp, f"out{k}")
                self.assertIn(says, self.fails("sweep", sweep, "--out", out))
                self.assertFalse(os.path.exists(out))

    def test_a_sweep_too_large_is_refused_with_its_size_before_anything_is_written(self):
        with temp_dir() as tmp:
            for k, (repeats, values, size) in enumerate(((6148914691236517206, 3, "1.84e+19"), (2**63, 2, "1.84e+19"),
                                                         (10**6, 10**3, "1e+09"))):
                sweep = write(tmp, f"big{k}.json", json.dumps({"base": QUICK, "repeats": repeats,
                                                                "grid": {"workload.generator.steps": list(range(1, values + 1))}}))
                out = os.path.join(tmp, f"big{k}")
                err = self.fails("sweep", sweep, "--out", out)
                self.assertIn(f"the sweep has {size} points", err)
                self.assertIn('raise "max_points"', err)
                self.assertFalse(os.path.exists(out))
            raised = write(tmp, "raised.json", json.dumps({"base": QUICK, "repeats": 3, "max_points": 2,
                                                           "grid": {"workload.generator.steps": [10]}}))
            self.assertIn("more than max_points 2", self.fails("sweep", raised, "--dry-run"))

    def test_a_capacity_past_the_limit_does_not_wrap(self):
        config = read_config(QUICK)
        config["tiers"][0]["capacity"] = "18446744073709551632 slots"  # 2^64 + 16
        with temp_dir() as tmp:
            path = write(tmp, "c.json", json.dumps(config))
            self.assertIn("tiers[0].capacity", self.fails("run", path, "--out", os.path.join(tmp, "o")))

    def test_a_shard_past_2_to_the_32_does_not_wrap_and_long_values_are_shortened(self):
        with temp_dir() as tmp:
            sweep = write(tmp, "s.json", json.dumps({"base": QUICK, "grid": {"seed": [1, 2]}}))
            err = self.fails("sweep", sweep, "--dry-run", "--shard", "4294967297/4294967297")
            self.assertIn('got "4294967297/4294967297"', err)
        err = self.fails("cache", QUICK, "--size", "9" * 40000)
        self.assertIn("... (40000 characters)", err)
        config = read_config(QUICK)
        config["tiers"][0]["capacity"] = "x" * 40000
        with temp_dir() as tmp:
            err = self.fails("run", write(tmp, "c.json", json.dumps(config)), "--out", os.path.join(tmp, "o"))
            self.assertIn("(40000 characters)", err)
            unterminated = write(tmp, "u.json", '{"name": "' + "a" * 40000)
            self.assertIn("u.json:1:", self.fails("run", unterminated, "--out", os.path.join(tmp, "o")))

    def test_a_negative_count_flag_is_refused(self):
        err = self.fails("bench-cache", "--cpu_cache", "-3", "--steps", "10", code=1)
        self.assertIn('expected a whole number, 0 or more, got "-3"', err)

    def test_no_prefetching_takes_no_parameters(self):
        config = read_config(QUICK)
        config["workload"]["prefetch"] = {"name": "none", "depth": 3}
        with temp_dir() as tmp:
            path = write(tmp, "c.json", json.dumps(config))
            self.assertIn('workload.prefetch.depth: unknown key "depth"', self.fails("run", path, "--out", os.path.join(tmp, "o")))

    def test_an_empty_trace_is_an_error_in_every_format_and_command(self):
        with temp_dir() as tmp:
            empty = write(tmp, "empty.oracleGeneral", "")
            header = write(tmp, "header.csv", "step,layer,expert\n")
            binary = os.path.join(tmp, "header.bin")
            with open(binary, "wb") as f:
                f.write(b"TSIMEXP1" + bytes([1]) + bytes(7))  # the 16-byte header and nothing after it
            compressed = os.path.join(tmp, "header.csv.zst")
            subprocess.run(["zstd", "-q", header, "-o", compressed], check=True)
            for trace in (empty, header, binary, compressed):
                for command in (("cache", trace, "--size", "4"), ("mrc", trace), ("trace", "stats", trace)):
                    self.assertIn("the trace holds no accesses", self.fails(*command))
            self.assertIn("no requests", self.fails("trace", "stats", write(tmp, "blank.jsonl", "\n\n")))
            config = read_config(QUICK)
            config["workload"].pop("generator")
            config["workload"]["trace"] = header
            path = write(tmp, "c.json", json.dumps(config))
            out = os.path.join(tmp, "o")
            self.assertIn("the trace holds no accesses", self.fails("run", path, "--out", out))
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))

    def test_a_key_given_twice_is_refused_at_its_line(self):
        with temp_dir() as tmp:
            text = json.dumps(read_config(QUICK), indent=1)
            path = write(tmp, "dup.json", text.replace('{\n "name"', '{\n "seed": 1,\n "seed": 2,\n "name"', 1))
            self.assertIn('dup.json:3:2: duplicate key "seed"', self.fails("run", path, "--out", os.path.join(tmp, "o")))
            trace = write(tmp, "dup.jsonl", '{"timestamp": 0, "timestamp": 5, "input_length": 1, "output_length": 1, "hash_ids": [1]}\n')
            self.assertIn('dup.jsonl:1:18: duplicate key "timestamp"', self.fails("trace", "stats", trace))

    def test_a_shard_number_out_of_range_is_refused_by_merge(self):
        with temp_dir() as tmp:
            sweep = write(tmp, "s.json", json.dumps({"base": QUICK, "set": {"workload.generator.steps": 20},
                                                     "grid": {"tiers.gpu.capacity": [8, 16]}}))
            outs = [os.path.join(tmp, f"shard{k}") for k in (1, 2)]
            for k, out in enumerate(outs, 1):
                run("sweep", sweep, "--out", out, "--shard", f"{k}/2", "--quiet")
            state = os.path.join(outs[1], ".sweep", "sweep.json")
            with open(state) as f:
                identity = json.load(f)
            for shard in (4000000000, 5, 0):
                identity["shard"] = shard
                with open(state, "w") as f:
                    json.dump(identity, f)
                err = self.fails("merge", *outs, "--out", os.path.join(tmp, "merged"))
                self.assertIn(f"shard {shard} of 2 is not a shard of a sweep", err)
            self.assertFalse(os.path.exists(os.path.join(tmp, "merged", "results.csv")))
            # A state file claiming 10^15 points is answered at once: only the chunks present are read.
            for k, out in enumerate(outs, 1):
                state = os.path.join(out, ".sweep", "sweep.json")
                with open(state) as f:
                    identity = json.load(f)
                identity["points"], identity["shard"] = 10**15, k
                with open(state, "w") as f:
                    json.dump(identity, f)
            err = self.fails("merge", *outs, "--out", os.path.join(tmp, "merged"))
            self.assertIn("999999999999998 points missing", err)

    def test_a_request_past_the_simulated_clock_is_refused(self):
        with temp_dir() as tmp:
            trace = write(tmp, "late.jsonl", '{"timestamp": 1e11, "input_length": 10, "output_length": 1, "hash_ids": [1]}\n')
            self.assertIn("late.jsonl:1: \"timestamp\" 100000000000.0 is past the simulated clock's range", self.fails("trace", "stats", trace))


if __name__ == "__main__":
    unittest.main()
