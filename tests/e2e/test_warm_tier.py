"""End-to-end: the warm-tier staging protocol (workload.warm_tier): promotion, serving
without a hot slot, demotion, versions, and the integrity fault paths at high corruption
rates (retries, replica reads, skip / wait / fail)."""
import copy
import csv
import json
import os
import unittest

from tiersim_cli import read_row, run, temp_dir

BASE = {
    "name": "warm", "seed": 4,
    "tiers": [{"name": "gpu", "capacity": 12}, {"name": "cpu", "capacity": 40},
              {"name": "nvme", "capacity": 100000}, {"name": "s3"}],
    "links": [
        {"name": "h2d", "from": "cpu", "to": "gpu", "bandwidth": "12 GB/s"},
        {"name": "d2h", "from": "gpu", "to": "cpu", "bandwidth": "12 GB/s"},
        {"name": "nvme_read", "from": "nvme", "to": "cpu", "bandwidth": "3 GB/s", "per_io_overhead": "50 us"},
        {"name": "nvme_write", "from": "cpu", "to": "nvme", "bandwidth": "2 GB/s"},
        {"name": "s3_read", "from": "s3", "to": "nvme", "bandwidth": "1 GB/s", "latency": "5 ms"},
        {"name": "s3_write", "from": "nvme", "to": "s3", "bandwidth": "1 GB/s"}],
    "workload": {"type": "expert_replay", "mode": "inference", "overlap": "pipelined", "compute_per_layer": "200 us",
                 "expert_bytes": "1 MiB", "check_invariants": True,
                 "generator": {"sampler": "episode", "n_experts": 256, "experts_per_step": 4, "episode_len": 10,
                               "steps": 400, "n_layers": 2, "noise": 0.2}},
}


def with_warm(warm, **workload):
    config = copy.deepcopy(BASE)
    config["workload"]["warm_tier"] = warm
    config["workload"].update(workload)
    return config


class WarmTier(unittest.TestCase):
    def setUp(self):
        self.tmp = temp_dir()
        self.n = 0

    def tearDown(self):
        self.tmp.cleanup()

    def run_config(self, config, expect=0):
        self.n += 1
        path = os.path.join(self.tmp.name, f"c{self.n}.json")
        with open(path, "w") as f:
            json.dump(config, f)
        out = os.path.join(self.tmp.name, f"out{self.n}")
        p = run("run", path, "--out", out, "--quiet", check=False)
        self.assertEqual(p.returncode, expect, p.stderr)
        return (read_row(os.path.join(out, "results.csv")) if expect == 0 else p), out

    def test_threshold_one_without_demotion_is_plain_tiering(self):
        plain, _ = self.run_config(copy.deepcopy(BASE))
        warm, _ = self.run_config(with_warm({"promotion": {"threshold": 1}, "demote": False}))
        for key in ("gpu_hits", "gpu_misses", "cpu_hits", "cpu_misses", "h2d_bytes", "nvme_read_bytes"):
            self.assertEqual(plain[key], warm[key], key)
        self.assertEqual(int(warm["warm_promotions"]), int(warm["gpu_misses"]))
        self.assertEqual(warm["warm_served"], "0")

    def test_unpromoted_experts_are_served_without_a_hot_slot(self):
        row, _ = self.run_config(with_warm({"promotion": {"threshold": 3, "window": 5}}))
        served, promoted = int(row["warm_served"]), int(row["warm_promotions"])
        self.assertGreater(served, 0)
        self.assertGreater(promoted, 0)
        self.assertEqual(served + promoted, int(row["gpu_misses"]))
        self.assertEqual(int(row["gpu_inserts"]), promoted)
        self.assertEqual(int(row["move_serve_count"]), served)
        never, _ = self.run_config(with_warm({"promotion": {"threshold": 1e6, "half_life": 10}}))
        self.assertEqual(never["warm_promotions"], "0")
        self.assertEqual(never["gpu_inserts"], "0")
        self.assertEqual(never["gpu_hits"], "0")

    def test_demotion_keeps_hot_victims_warm(self):
        config = with_warm({"promotion": {"threshold": 1}, "demote": True})
        config["tiers"][1]["capacity"] = 14
        row, _ = self.run_config(config)
        self.assertEqual(int(row["warm_demotions"]), int(row["gpu_evictions"]))
        self.assertGreater(int(row["move_demote_count"]), 0)
        plain = copy.deepcopy(config)
        plain["workload"]["warm_tier"]["demote"] = False
        off, _ = self.run_config(plain)
        self.assertEqual(off["move_demote_count"], "0")
        self.assertGreater(int(row["cpu_hits"]), int(off["cpu_hits"]))

    def test_stale_warm_copies_are_reread(self):
        config = with_warm({"versions": {"publish_every": 5, "experts": 20}})
        config["tiers"][1]["capacity"] = 200
        row, _ = self.run_config(config)
        self.assertGreater(int(row["versions_published"]), 0)
        self.assertGreater(int(row["stale_detected"]), 0)
        self.assertEqual(row["stale_detected"], row["move_reread_count"])

    def test_every_read_corrupted_without_replica_skips_experts(self):
        config = with_warm({"integrity": {"corrupt_probability": {"s3": 1.0}, "retries": 2, "on_unavailable": "skip"}})
        row, out = self.run_config(config)
        unavailable = int(row["unavailable_experts"])
        self.assertGreater(unavailable, 0)
        self.assertEqual(int(row["corrupted_reads"]), 3 * unavailable)  # first read + 2 retries each
        self.assertEqual(int(row["read_retries"]), 2 * unavailable)
        self.assertGreaterEqual(int(row["skipped_accesses"]), unavailable)
        with open(os.path.join(out, "unavailable.log")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), unavailable)
        self.assertRegex(lines[0], r"^step \d+: expert \d+ of layer \d+ unavailable: 3 corrupted reads, no replica$")
        self.assertEqual(row["steps"], "400")  # the run goes on without them

    def test_replica_serves_what_the_retries_could_not(self):
        config = with_warm({"integrity": {"corrupt_probability": {"nvme": 1.0}, "retries": 1, "replica": "s3"}})
        config["workload"]["generator"]["steps"] = 100
        # Warm the NVMe tier first: every expert is read from S3 once (clean), later from NVMe.
        row, _ = self.run_config(config)
        self.assertEqual(row["unavailable_experts"], "0")
        self.assertEqual(row["skipped_accesses"], "0")
        self.assertGreater(int(row["replica_reads"]), 0)
        self.assertEqual(int(row["corrupted_reads"]), 2 * int(row["replica_reads"]))
        self.assertEqual(row["replica_reads"], row["move_replica_count"])

    def test_corrupted_replicas_are_tried_in_turn(self):
        config = with_warm({"integrity": {"corrupt_probability": {"nvme": 1.0, "s3": 0.5}, "retries": 0,
                                          "replica": "s3", "replicas": 3, "on_unavailable": "skip"}})
        row, _ = self.run_config(config)
        reads, corrupted = int(row["replica_reads"]), int(row["corrupted_reads"])
        self.assertGreater(reads, 0)
        self.assertGreater(int(row["unavailable_experts"]), 0)  # all three replicas corrupted, sometimes
        self.assertEqual(row["replica_reads"], row["move_replica_count"])

    def test_wait_retries_until_the_read_succeeds(self):
        config = with_warm({"integrity": {"corrupt_probability": {"s3": 0.8, "cpu": 0.3}, "retries": 1,
                                          "on_unavailable": "wait"}})
        row, _ = self.run_config(config)
        self.assertEqual(row["unavailable_experts"], "0")
        self.assertEqual(row["skipped_accesses"], "0")
        self.assertGreater(int(row["wait_retries"]), 0)
        self.assertEqual(int(row["read_retries"]), int(row["move_retry_count"]))

    def test_fail_stops_the_run_with_no_results(self):
        config = with_warm({"integrity": {"corrupt_probability": {"s3": 1.0}, "retries": 0, "on_unavailable": "fail"}})
        p, out = self.run_config(config, expect=4)
        self.assertIn("is unavailable", p.stderr)
        self.assertIn('on_unavailable is "fail"', p.stderr)
        self.assertFalse(os.path.exists(out))

    def test_training_with_faults_keeps_every_update(self):
        config = with_warm({"promotion": {"threshold": 2, "window": 6},
                            "integrity": {"corrupt_probability": {"s3": 0.5, "nvme": 0.5, "cpu": 0.2}, "retries": 1,
                                          "replica": "s3", "on_unavailable": "wait"}}, mode="training")
        row, _ = self.run_config(config)  # check_invariants: no dirty expert dropped, none pinned evicted
        self.assertGreater(int(row["warm_served"]), 0)
        self.assertGreater(int(row["s3_writes"]) + int(row["flush_s3_write_objects"]), 0)

    def test_same_config_and_seed_give_identical_files(self):
        config = with_warm({"promotion": {"threshold": 2, "half_life": 4}, "versions": {"publish_every": 7},
                            "integrity": {"corrupt_probability": {"s3": 0.3, "nvme": 0.2}, "retries": 1,
                                          "replica": "s3", "replicas": 2}},
                           timeseries_interval="50 ms", prefetch={"name": "history", "target": "cpu"})
        _, first = self.run_config(config)
        _, second = self.run_config(config)
        for name in ("results.csv", "timeseries.csv"):
            with open(os.path.join(first, name), "rb") as a, open(os.path.join(second, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        config["seed"] = 5
        _, third = self.run_config(config)
        with open(os.path.join(first, "results.csv"), "rb") as a, open(os.path.join(third, "results.csv"), "rb") as b:
            self.assertNotEqual(a.read(), b.read())  # the seed drives the corruption draws

    def test_timeseries_rows_are_cumulative(self):
        config = with_warm({"promotion": {"threshold": 2, "window": 4}}, timeseries_interval="20 ms")
        row, out = self.run_config(config)
        with open(os.path.join(out, "timeseries.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertGreater(len(rows), 5)
        times = [float(r["time_s"]) for r in rows]
        self.assertEqual(times, sorted(times))
        for key in ("steps", "gpu_misses", "h2d_bytes"):
            series = [float(r[key]) for r in rows]
            self.assertEqual(series, sorted(series), key)
        self.assertLessEqual(float(rows[-1]["h2d_bytes"]), float(row["h2d_bytes"]))

    def test_bad_settings_name_the_json_path(self):
        for warm, words in (({"promotion": {"threshold": -1}}, "workload.warm_tier.promotion.threshold"),
                            ({"promotion": {"window": 0}}, "workload.warm_tier.promotion.window"),
                            ({"promotion": {"window": 3, "half_life": 2}}, "not both"),
                            ({"integrity": {"retries": -1}}, "workload.warm_tier.integrity.retries"),
                            ({"integrity": {"replica": "tape"}}, 'no tier named "tape"'),
                            ({"integrity": {"replica": "s3", "replicas": -1}}, "workload.warm_tier.integrity.replicas"),
                            ({"integrity": {"corrupt_probability": {"nvme": 2}}}, "corrupt_probability.nvme"),
                            ({"integrity": {"on_unavailable": "pray"}}, "skip, wait, fail"),
                            ({"integrity": {"corrupt_probability": {"s3": 1}, "on_unavailable": "wait"}}, "never ends"),
                            ({"promote": 1}, 'unknown key "promote"')):
            p, out = self.run_config(with_warm(warm), expect=2)
            self.assertIn(words, p.stderr, warm)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
