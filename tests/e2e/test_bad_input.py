"""Bad input that used to crash tiersim or pass silently: each is now one clear error naming
the place, a non-zero exit and no results written."""
import json
import os
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
            self.assertFalse(os.path.exists(os.path.join(tmp, "o2", "results.csv")))

    def test_sweeping_seed_name_or_workload_is_refused_and_leaves_nothing(self):
        with temp_dir() as tmp:
            for path, says in (("seed", 'vary seeds with "repeats"'), ("name", "cannot vary"), ("workload", "the workload's keys")):
                sweep = write(tmp, path + ".json", json.dumps({"base": QUICK, "grid": {path: [1, 2]}}))
                out = os.path.join(tmp, "out-" + path)
                self.assertIn(says, self.fails("sweep", sweep, "--out", out))
                self.assertFalse(os.path.exists(out))

    def test_a_capacity_past_the_limit_does_not_wrap(self):
        config = read_config(QUICK)
        config["tiers"][0]["capacity"] = "18446744073709551632 slots"  # 2^64 + 16
        with temp_dir() as tmp:
            path = write(tmp, "c.json", json.dumps(config))
            self.assertIn("tiers[0].capacity", self.fails("run", path, "--out", os.path.join(tmp, "o")))

    def test_a_negative_count_flag_is_refused(self):
        err = self.fails("bench-cache", "--cpu_cache", "-3", "--steps", "10", code=1)
        self.assertIn('expected a whole number, 0 or more, got "-3"', err)

    def test_no_prefetching_takes_no_parameters(self):
        config = read_config(QUICK)
        config["workload"]["prefetch"] = {"name": "none", "depth": 3}
        with temp_dir() as tmp:
            path = write(tmp, "c.json", json.dumps(config))
            self.assertIn('workload.prefetch.depth: unknown key "depth"', self.fails("run", path, "--out", os.path.join(tmp, "o")))

    def test_an_empty_trace_is_an_error(self):
        with temp_dir() as tmp:
            empty = write(tmp, "empty.oracleGeneral", "")
            header = write(tmp, "header.csv", "step,layer,expert\n")
            for trace in (empty, header):
                self.assertIn("the trace holds no accesses", self.fails("cache", trace, "--size", "4"))
            config = read_config(QUICK)
            config["workload"].pop("generator")
            config["workload"]["trace"] = header
            path = write(tmp, "c.json", json.dumps(config))
            out = os.path.join(tmp, "o")
            self.assertIn("the trace holds no accesses", self.fails("run", path, "--out", out))
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))

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

    def test_a_request_past_the_simulated_clock_is_refused(self):
        with temp_dir() as tmp:
            trace = write(tmp, "late.jsonl", '{"timestamp": 1e11, "input_length": 10, "output_length": 1, "hash_ids": [1]}\n')
            self.assertIn("late.jsonl:1: \"timestamp\" 100000000000.0 is past the simulated clock's range", self.fails("trace", "stats", trace))


if __name__ == "__main__":
    unittest.main()
