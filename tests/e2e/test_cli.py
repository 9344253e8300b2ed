"""End-to-end: the tiersim binary driven as a user would drive it."""
import json
import os
import random
import shutil
import unittest

from tiersim_cli import ROOT, read_config, read_row, run, temp_dir
import bench_cache_model

BENCH_CACHE = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")
DEFAULT = os.path.join(ROOT, "configs", "default.json")


class RunCommand(unittest.TestCase):
    def test_example_configs_run_and_print_where_results_are(self):
        with temp_dir() as tmp:
            for config in (BENCH_CACHE, DEFAULT):
                out = os.path.join(tmp, os.path.basename(config))
                p = run("run", config, "--out", out)
                self.assertIn(f"results: {out}/results.csv", p.stdout)
                row = read_row(os.path.join(out, "results.csv"))
                self.assertGreater(int(row["steps"]), 0)
                with open(os.path.join(out, "summary.json")) as f:
                    summary = json.load(f)
                self.assertIn("events_per_s", summary["performance"])
                self.assertEqual(summary["results"]["config_hash"], row["config_hash"])

    def test_bench_cache_config_reports_the_prototypes_counters(self):
        with temp_dir() as tmp:
            run("run", BENCH_CACHE, "--out", tmp, "--quiet")
            row = read_row(os.path.join(tmp, "results.csv"))
            for name in ("gpu_cache_hit", "gpu_cache_miss", "cpu_cache_hit", "cpu_cache_miss", "disk_read_ops",
                         "disk_write_ops", "h2d_load", "d2h_writeback", "h2d_load_s", "d2h_writeback_s",
                         "disk_read_s", "disk_write_s"):
                self.assertIn(name, row)
            self.assertEqual(row["mode"], "training")
            # Serial, no compute: every microsecond of a step is transfer time.
            total = sum(float(row[k]) for k in ("h2d_load_s", "d2h_writeback_s", "disk_read_s", "disk_write_s"))
            self.assertAlmostEqual(total, float(row["sim_time_s"]), places=9)
            # h2d_load = 526848 B / 12 GB/s each.
            self.assertAlmostEqual(float(row["h2d_load_s"]), int(row["h2d_load"]) * 526848 / 12e9, places=9)
            # The bench-cache command line gives the same counters as the config.
            bench = os.path.join(tmp, "bench")
            run("bench-cache", "--n_experts", 2048, "--gpu_slots", 16, "--cpu_cache", 64, "--sampler", "episode",
                "--episode_len", 50, "--experts_per_step", 4, "--sim_h2d_gbps", 12, "--sim_d2h_gbps", 12,
                "--sim_disk_read_gbps", 3, "--sim_disk_write_gbps", 2, "--sim_extra_ms_per_io", 0.2,
                "--disk_root", "/tmp/ooc_disk", "--out", bench, "--quiet")
            bench_row = read_row(os.path.join(bench, "results.csv"))
            for name in ("gpu_cache_hit", "cpu_cache_miss", "disk_write_ops", "d2h_writeback", "sim_time_s"):
                self.assertEqual(bench_row[name], row[name], name)

    def test_identical_runs_give_identical_csv_and_set_overrides_apply(self):
        with temp_dir() as tmp:
            a, b, c = (os.path.join(tmp, x) for x in "abc")
            run("run", DEFAULT, "--out", a, "--quiet")
            run("run", DEFAULT, "--out", b, "--quiet")
            with open(os.path.join(a, "results.csv"), "rb") as fa, open(os.path.join(b, "results.csv"), "rb") as fb:
                self.assertEqual(fa.read(), fb.read())
            run("run", DEFAULT, "--out", c, "--quiet", "--set", "tiers.hbm.capacity=48 GiB",
                "--set", "workload.generator.steps=500")
            row = read_row(os.path.join(c, "results.csv"))
            self.assertEqual(row["steps"], "500")
            self.assertNotEqual(row["config_hash"], read_row(os.path.join(a, "results.csv"))["config_hash"])

    def test_print_config_is_a_runnable_config(self):
        with temp_dir() as tmp:
            p = run("bench-cache", "--gpu_slots", 8, "--cpu_cache", 32, "--print-config")
            config = json.loads(p.stdout)
            self.assertEqual(config["tiers"][0]["capacity"], 8)
            self.assertEqual(config["workload"]["expert_bytes"], 526848)
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(config, f)
            run("run", path, "--out", os.path.join(tmp, "o"), "--quiet")


class HardwareProfiles(unittest.TestCase):
    def test_links_take_profile_models_and_keys_override_them(self):
        with temp_dir() as tmp:
            base, slow = os.path.join(tmp, "base"), os.path.join(tmp, "slow")
            run("run", DEFAULT, "--out", base, "--quiet", "--set", "workload.generator.steps=200")
            run("run", DEFAULT, "--out", slow, "--quiet", "--set", "workload.generator.steps=200",
                "--set", "links.h2d.bandwidth=5 GB/s")
            a, b = read_row(os.path.join(base, "results.csv")), read_row(os.path.join(slow, "results.csv"))
            self.assertEqual(a["hbm_misses"], b["hbm_misses"])
            self.assertGreater(float(b["step_time_mean_us"]), float(a["step_time_mean_us"]))
            # Overriding the profile's sharing and channels: one fifo channel serves each
            # transfer in exactly the profile's 8 us overhead + 336 MiB / 52 GB/s.
            fifo = os.path.join(tmp, "fifo")
            run("run", DEFAULT, "--out", fifo, "--quiet", "--set", "workload.generator.steps=200",
                "--set", "links.h2d.sharing=fifo", "--set", "links.h2d.channels=1")
            c = read_row(os.path.join(fifo, "results.csv"))
            self.assertAlmostEqual(float(c["h2d_service_s"]) / int(c["h2d_transfers"]), 336 * 2**20 / 52e9 + 8e-6, places=9)
            # A link that sleeps after 1 ns idle pays its wake latency on every transfer that
            # finds it idle, and only on those: never more than once per transfer.
            woken = os.path.join(tmp, "woken")
            run("run", DEFAULT, "--out", woken, "--quiet", "--set", "workload.generator.steps=200",
                "--set", "links.h2d.sharing=fifo", "--set", "links.h2d.channels=1",
                "--set", "links.h2d.wake.after=1 ns", "--set", "links.h2d.wake.latency=1 ms")
            w = read_row(os.path.join(woken, "results.csv"))
            extra = float(w["h2d_service_s"]) - float(c["h2d_service_s"])
            self.assertGreater(extra, 0)
            self.assertLessEqual(extra, int(w["h2d_transfers"]) * 1e-3 + 1e-9)
            self.assertAlmostEqual(extra / 1e-3, round(extra / 1e-3), places=6)  # whole wake-ups

    def test_profile_errors(self):
        config = read_config(DEFAULT)
        bad = BadInput()
        config["links"][0]["profile"] = "pcie9_h2d"
        bad.check_rejected(config, "links[0].profile", "no link model \"pcie9_h2d\"", "pcie5_h2d")
        config["links"][0]["profile"] = "pcie5_h2d"
        config["hardware"] = "/nonexistent/profile.json"
        bad.check_rejected(config, "hardware: /nonexistent/profile.json: cannot open")
        with temp_dir() as tmp:
            profile = os.path.join(tmp, "p.json")
            with open(profile, "w") as f:
                json.dump({"links": {"pcie5_h2d": {"bandwidth": "52 GB/z"}}}, f)
            config["hardware"] = profile
            bad.check_rejected(config, f"{profile}: links.pcie5_h2d.bandwidth: expected a bandwidth")
            with open(profile, "w") as f:
                json.dump({"links": {"pcie5_h2d": {"bandwidth": "52 GB/s", "wake": {"after": "200 us"}}}}, f)
            bad.check_rejected(config, f"{profile}: links.pcie5_h2d.wake", "\"latency\"")
            with open(profile, "w") as f:
                json.dump({"links": {"pcie5_h2d": {"bandwidth": "52 GB/s"}}}, f)
            config["links"][0]["wake"] = {"after": "1 ms", "latency": "ten us"}
            bad.check_rejected(config, "links[0].wake.latency", "expected a number followed by a unit")
            del config["links"][0]["wake"]
        del config["hardware"]
        bad.check_rejected(config, "links[0].profile", "needs the config's \"hardware\"")


class BadInput(unittest.TestCase):
    """Each bad input: exit 2, one clear message naming where, no results left behind."""

    def check_rejected(self, config_text, *expected, extra=()):
        with temp_dir() as tmp:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                f.write(config_text if isinstance(config_text, str) else json.dumps(config_text))
            out = os.path.join(tmp, "out")
            p = run("run", path, "--out", out, *extra, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stdout, "")
            self.assertTrue(p.stderr.startswith("tiersim: error: "), p.stderr)
            self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
            for text in expected:
                self.assertIn(text, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))

    def config(self):
        return read_config(BENCH_CACHE)

    def test_unknown_key(self):
        c = self.config()
        c["workload"]["modee"] = "training"
        self.check_rejected(c, "workload.modee: unknown key", "expected one of")

    def test_wrong_type(self):
        c = self.config()
        c["tiers"][1]["capacity"] = True
        self.check_rejected(c, "tiers[1].capacity: expected")

    def test_zero_and_negative_capacity(self):
        for value in (0, -4, "0 GiB", "-1 GiB"):
            c = self.config()
            c["tiers"][0]["capacity"] = value
            self.check_rejected(c, "tiers[0].capacity")

    def test_zero_bandwidth(self):
        c = self.config()
        c["links"][0]["bandwidth"] = "0 GB/s"
        self.check_rejected(c, "links[0].bandwidth", "greater than zero")

    def test_unit_that_does_not_parse(self):
        c = self.config()
        c["links"][2]["bandwidth"] = "12 GB/z"
        self.check_rejected(c, "links[2].bandwidth", "expected a bandwidth")
        c = self.config()
        c["links"][2]["per_io_overhead"] = "0.2 fortnights"
        self.check_rejected(c, "links[2].per_io_overhead", "expected a duration")

    def test_missing_trace_file(self):
        c = self.config()
        del c["workload"]["generator"]
        c["workload"]["trace"] = "/nonexistent/trace.csv"
        self.check_rejected(c, "workload.trace", "/nonexistent/trace.csv")

    def test_trace_line_that_does_not_parse(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.csv")
            with open(trace, "w") as f:
                f.write("step,layer,expert\n0,0,1\n0,0,2\n1,zero,3\n")
            c = self.config()
            del c["workload"]["generator"]
            c["workload"]["trace"] = trace
            self.check_rejected(c, f"{trace}:4: expected step,layer,expert")

    def test_malformed_json_and_bad_set(self):
        self.check_rejected('{"tiers": [1, 2,]}', "bad.json:1:")
        self.check_rejected(self.config(), "--set", extra=("--set", "tiers.nosuchtier.capacity=3"))
        self.check_rejected(self.config(), "workload.mode", extra=("--set", "workload.mode=trainnig"))

    def test_inputs_that_need_more_than_int64_picoseconds_or_too_many_chunks(self):
        c = self.config()
        c["workload"]["expert_bytes"] = "1 PB"
        c["links"][0]["bandwidth"] = "1 B/s"
        self.check_rejected(c, "simulated time passed the limit")
        c = self.config()
        c["workload"]["chunk_bytes"] = "1 B"
        self.check_rejected(c, "workload.chunk_bytes", "65536 chunks")

    def test_random_config_mutations_never_crash(self):
        rng = random.Random(17)
        values = [-1, 0, 1, 2**64, 1e300, -0.5, "x", "12 GB/z", "0 s", "1 B", "3 us", "-1 GiB", "99999 PiB", [], {},
                  None, True, "lru", "nope", "a" * 300, [1, 2], {"name": 1}]
        for base in (BENCH_CACHE, DEFAULT):
            original = read_config(base)
            for _ in range(75):
                config = json.loads(json.dumps(original))
                config["workload"]["generator"]["steps"] = 20
                # Walk to a random node and replace it (or add a key to an object).
                node, key = config, None
                for _ in range(rng.randrange(1, 5)):
                    keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
                    if not keys:
                        break
                    key = rng.choice(keys)
                    if isinstance(node[key], (dict, list)) and rng.random() < 0.7:
                        node = node[key]
                        key = None
                    else:
                        break
                if key is None:
                    key = rng.choice(["extra", 0]) if isinstance(node, dict) else 0
                    if isinstance(node, list) and not node:
                        continue
                    if isinstance(node, dict):
                        key = "extra"
                node[key] = rng.choice(values)
                with temp_dir() as tmp:
                    path = os.path.join(tmp, "c.json")
                    with open(path, "w") as f:
                        json.dump(config, f)
                    p = run("run", path, "--out", os.path.join(tmp, "o"), "--quiet", check=False)
                    self.assertIn(p.returncode, (0, 2), f"{json.dumps(config)[:400]}\n{p.stderr}")
                    if p.returncode == 2:
                        self.assertTrue(p.stderr.startswith("tiersim: error: "), p.stderr)
                        self.assertFalse(os.path.exists(os.path.join(tmp, "o", "results.csv")))

    def test_missing_config_and_bad_flags(self):
        p = run("run", "/nonexistent.json", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent.json: cannot open", p.stderr)
        p = run("cache", "/nonexistent.csv", "--size", "4", check=False)
        self.assertEqual(p.returncode, 2)
        p = run("cache", BENCH_CACHE, "--size", "0,4", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--size", p.stderr)
        p = run("cache", BENCH_CACHE, "--size", "4", "--policy", "nope", check=False)
        self.assertIn("expected one of: 2q, arc, belady", p.stderr)
        p = run("trace", "gen", "--n-experts", 0, "-o", "/tmp/x.csv", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("n_experts", p.stderr)
        p = run("bench-cache", "--sim_h2d_gbps", 0, check=False)
        self.assertEqual(p.returncode, 2)
        p = run("run", check=False)
        self.assertEqual(p.returncode, 1)  # usage error: the config is required
        self.assertIn("config is required", p.stderr)

    def test_garbage_traces_never_crash(self):
        rng = random.Random(4)
        with temp_dir() as tmp:
            for i in range(40):
                for suffix, head in ((".csv", b"step,layer,expert\n"), (".oracleGeneral", b""), (".bin", b"TSIMEXP1\x01\0\0\0\0\0\0\0")):
                    path = os.path.join(tmp, f"g{i}{suffix}")
                    body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
                    if suffix == ".oracleGeneral":
                        body = body[: len(body) - len(body) % 24]
                    if suffix == ".bin":
                        body = body[: len(body) - len(body) % 8]
                    with open(path, "wb") as f:
                        f.write(head + body)
                    for args in (("cache", path, "--size", "2,8"), ("trace", "stats", path),
                                 ("bench-cache", "--trace", path, "--gpu_slots", 64, "--out", os.path.join(tmp, "o"),
                                  "--quiet")):
                        p = run(*args, check=False)
                        self.assertIn(p.returncode, (0, 2), f"{args}: {p.returncode} {p.stderr}")


class CacheAndTraceCommands(unittest.TestCase):
    def test_cache_miss_ratios_match_reference_lru_in_every_format(self):
        with temp_dir() as tmp:
            results = {}
            for fmt, name in (("csv", "t.csv"), ("bin", "t.bin"), ("oracleGeneral", "t.oracleGeneral")):
                path = os.path.join(tmp, name)
                run("trace", "gen", "--sampler", "zipf", "--n-experts", 500, "--experts-per-step", 3,
                    "--n-layers", 2, "--steps", 3000, "--seed", 2, "--format", fmt, "-o", path)
                p = run("cache", path, "--size", "16,64,256", "--out", os.path.join(tmp, fmt))
                results[fmt] = p.stdout.splitlines()[:3]
            self.assertEqual(results["csv"], results["bin"])
            self.assertEqual(results["csv"], results["oracleGeneral"])
            objects = [(l, e) for _, l, e in bench_cache_model.read_csv_trace(os.path.join(tmp, "t.csv"))]
            for line, size in zip(results["csv"], (16, 64, 256)):
                fields = dict(x.split("=") for x in line.split()[1:])
                self.assertEqual(int(fields["misses"]), bench_cache_model.lru_misses(objects, size))
                self.assertEqual(int(fields["requests"]), len(objects))
            with open(os.path.join(tmp, "csv", "results.csv")) as f:
                self.assertEqual(f.readline().strip(),
                                 "policy,partition,capacity_objects,capacity_bytes,requests,misses,miss_ratio,bytes_requested,bytes_missed,expirations")

    def test_byte_capacities_use_object_sizes(self):
        with temp_dir() as tmp:
            path = os.path.join(tmp, "t.oracleGeneral")
            run("trace", "gen", "--sampler", "uniform", "--n-experts", 64, "--experts-per-step", 2, "--steps", 2000,
                "--object-size", 1000, "--format", "oracleGeneral", "-o", path)
            by_bytes = run("cache", path, "--size-bytes", "16 KB").stdout.split()
            by_count = run("cache", path, "--size", "16").stdout.split()
            self.assertEqual(by_bytes[2:4], by_count[2:4])  # 16 objects of 1000 B = 16 KB
            csv = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--sampler", "uniform", "--n-experts", 64, "--steps", 10, "-o", csv)
            p = run("cache", csv, "--size-bytes", "16 KB", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("has no object sizes", p.stderr)

    def test_trace_stats_match_a_direct_computation(self):
        with temp_dir() as tmp:
            path = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--sampler", "episode", "--n-experts", 128, "--episode-len", 7, "--n-layers", 2,
                "--steps", 400, "-o", path)
            stats = json.loads(run("trace", "stats", path, "--json", "--window", "1,10").stdout)
            rows = bench_cache_model.read_csv_trace(path)
            self.assertEqual(stats["accesses"], len(rows))
            self.assertEqual(stats["steps"], 400)
            self.assertEqual(stats["objects"], len({(l, e) for _, l, e in rows}))
            per_step = {}
            for s, l, e in rows:
                per_step.setdefault(s, set()).add((l, e))
            self.assertEqual(stats["unique_per_step"]["max"], max(len(v) for v in per_step.values()))
            # Reuse distances by brute force.
            stack, distances, cold = [], [], 0
            for _, l, e in rows:
                k = (l, e)
                if k in stack:
                    distances.append(stack.index(k))
                    stack.remove(k)
                else:
                    cold += 1
                stack.insert(0, k)
            self.assertEqual(stats["reuse_distance"]["cold"], cold)
            distances.sort()
            self.assertEqual(stats["reuse_distance"]["max"], distances[-1])
            self.assertEqual(stats["reuse_distance"]["p50"], distances[(len(distances) + 1) // 2 - 1])
            windows = {w["window_steps"]: w for w in stats["working_set"]}
            sets = {}
            for s, l, e in rows:
                sets.setdefault(s // 10, set()).add((l, e))
            self.assertEqual(windows[10]["max"], max(len(v) for v in sets.values()))

    def test_list_names_what_configs_accept(self):
        out = run("list").stdout
        for name in ("lru", "episode", "markov", "uniform", "env", "zipf", "oracleGeneral", "expert_replay"):
            self.assertIn(name, out)


if __name__ == "__main__":
    unittest.main()
