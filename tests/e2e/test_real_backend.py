"""End-to-end: the real backend. tiersim calibrate measures this machine's links (host
memcpy, O_DIRECT files through io_uring) into a hardware profile; tiersim run --backend
real replays a workload with real transfers, checks every expert's bytes, and reports the
simulator's prediction beside the measurement; a byte flipped in an expert file between
runs is caught and traced to the file; machines that cannot do what is asked get a clear
message and exit 6."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from tiersim_cli import ROOT, TIERSIM, read_row, run

CONFIG = os.path.join(ROOT, "configs", "bench_cache_real.json")


def disk_dir():
    """A scratch folder on the checkout's disk (O_DIRECT needs a real file system)."""
    return tempfile.mkdtemp(prefix="tiersim-real-", dir=os.path.join(ROOT, "build") if os.path.isdir(os.path.join(ROOT, "build")) else ROOT)


class RealBackend(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = disk_dir()
        cls.folder = os.path.join(cls.dir, "hw", "local")
        cls.profile = os.path.join(cls.folder, "profile.json")
        cls.calibrate = run("calibrate", "--out", cls.folder, "--nvme-dir", cls.dir, "--max-size", "4 MiB",
                            "--bytes-per-point", "16 MiB", "--queue-depths", "1,8")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def real_run(self, name, *extra, check=True, nvme=None):
        out = os.path.join(self.dir, name)
        p = run("run", CONFIG, "--backend", "real", "--set", f"hardware={self.profile}", "--set", "workload.generator.steps=300",
                "--nvme-dir", nvme or os.path.join(self.dir, name + "-nvme"), "--out", out, *extra, check=check)
        return p, out

    def test_calibration_writes_a_profile_its_measurements_and_fits(self):
        with open(self.profile) as f:
            profile = json.load(f)
        self.assertEqual(set(profile["links"]), {"host_copy", "nvme_read", "nvme_write"})
        for name, link in profile["links"].items():
            self.assertTrue(link["bandwidth"].endswith("MB/s"), link)
            fit = profile["calibration"]["fit"][name]
            self.assertLessEqual(fit["r2"], 1.0)
            self.assertGreaterEqual(fit["worst_relative_residual"], 0.0)
            self.assertGreaterEqual(fit["round_spread"], 0.0)
        with open(os.path.join(self.folder, "measurements.csv")) as f:
            rows = list(csv.DictReader(f))
        sizes = {4096 << i for i in range(11)}  # every power of two, 4 KiB to 4 MiB
        for link, qds in (("nvme_read", {"1", "8"}), ("nvme_write", {"1", "8"}), ("host_copy", {"0"})):
            got = {(r["queue_depth"], int(r["bytes"])) for r in rows if r["link"] == link and r["concurrency"] == "1"}
            self.assertEqual(got, {(q, s) for q in qds for s in sizes}, link)
        for r in rows:
            self.assertGreater(float(r["median_us"]), 0)
            # Three rounds by default, each with a third of the copies (16 MiB per point here,
            # at least 9 and at most 2000 copies), pooled; the rounds' medians bound the pooled one.
            self.assertEqual(r["rounds"], "3")
            wanted = min(max((16 << 20) // int(r["bytes"]), 9), 2000)
            self.assertEqual(int(r["repeats"]), 3 * -(-wanted // 3), r)
            self.assertGreaterEqual(float(r["round_spread"]), 0)
            if r["link"] == "host_copy":
                self.assertEqual(r["device_median_us"], "")  # a memcpy has no device time apart from its own
            else:
                # io_uring's own time (the kernel taking the first request to reaping the last)
                # is inside the submitter's view of the copy.
                self.assertGreater(float(r["device_median_us"]), 0, r)
                self.assertLessEqual(float(r["device_median_us"]), float(r["max_us"]), r)
        self.assertIn("transparent huge pages", profile["calibration"]["host_memory"])
        self.assertIn("nvme_read", self.calibrate.stderr)  # the progress lines
        self.assertIn("round 3/3", self.calibrate.stderr)
        self.assertIn("3 rounds' bandwidths within", self.calibrate.stdout)
        self.assertTrue(os.path.exists(os.path.join(self.folder, "fit.csv")))
        # The simulator accepts the profile as it is.
        run("run", CONFIG, "--set", f"hardware={self.profile}", "--set", "workload.generator.steps=50",
            "--out", os.path.join(self.dir, "sim-on-profile"), "--quiet")

    def test_profile_error_sets_the_profile_beside_its_measurements(self):
        measurements = os.path.join(self.folder, "measurements.csv")
        script = os.path.join(ROOT, "scripts", "profile_error.py")
        p = subprocess.run([sys.executable, script, self.profile, measurements, "--min-bytes", "1MiB"],
                           capture_output=True, text=True, check=True)
        table, summary = p.stdout.split("\n\n")
        lines = table.splitlines()[1:]
        self.assertEqual({l.split()[0] for l in lines}, {"host_copy", "nvme_read", "nvme_write"})
        errors = {}
        for line in lines:
            self.assertGreaterEqual(int(line.split()[1]), 1 << 20)
            self.assertTrue(line.endswith("%"), line)
            errors.setdefault(line.split()[0], []).append(abs(float(line.split()[4])))
        # Per link: how many points lie within 5 %, and the worst error, as the table has them.
        for line in summary.splitlines():
            link = line.split(":")[0]
            within = sum(e <= 5.0 for e in errors[link])
            self.assertTrue(line.startswith(f"{link}: "), line)
            self.assertIn(f" of {len(errors[link])} points within 5 %, worst {max(errors[link]):.1f} %", line)
            self.assertLessEqual(abs(int(line.split()[1]) - within), 1, line)  # the table rounds to 0.1 %
        self.assertEqual({l.split(":")[0] for l in summary.splitlines()}, set(errors))
        # A profile that models none of the measured links is an error, not an empty table.
        other = os.path.join(ROOT, "configs", "hardware", "h100_pcie5_gen4nvme.json")
        p = subprocess.run([sys.executable, script, other, measurements], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no measured point", p.stderr)

    @unittest.skipUnless(shutil.which("fio"), "fio is not installed (scripts/setup.sh installs it)")
    def test_compare_fio_sets_both_tools_side_by_side_on_the_same_bytes(self):
        script = os.path.join(ROOT, "scripts", "compare_fio.py")
        folder = os.path.join(self.dir, "fio")
        os.makedirs(folder)
        p = subprocess.run([sys.executable, script, folder, "--rounds", "2", "--seconds", "1", "--bytes", "64 MiB", "--tiersim", TIERSIM],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        rounds = [l for l in p.stdout.splitlines() if l.startswith("round ")]
        self.assertEqual(len(rounds), 2, p.stdout)
        # 64 MiB is rounded up to the 9 transfers of 256 MiB that calibrate times at the least.
        self.assertIn("medians over 2 rounds, 2304 MiB per bandwidth run", p.stdout)
        rows = {}
        for line in p.stdout.split("\n\n")[1].splitlines()[2:]:
            shape, ours, theirs, difference = line.rsplit(None, 3)
            rows[shape.strip()] = (float(ours), float(theirs))
            # The figures are printed rounded (latencies to 0.1 us), the difference from the unrounded
            # ones: it may differ from the printed figures' by what their rounding moves it, at most.
            o, t = float(ours), float(theirs)
            half = max(0.5 * 10 ** -(len(x.split(".")[1]) if "." in x else 0) for x in (ours, theirs))
            slack = 100 * half * (1 / t + o / t ** 2) + 0.06
            self.assertAlmostEqual(float(difference.rstrip("%")), 100 * (o - t) / t, delta=slack)
        self.assertEqual(len(rows), 6, p.stdout)
        for ours, theirs in rows.values():
            self.assertGreater(ours, 0)
            self.assertGreater(theirs, 0)
        # tiersim from fio's 8 MiB buffer and from calibrate's own, both against the same fio figure.
        for side in ("read", "write"):
            self.assertEqual(rows[f"1 MiB requests, qd 8, {side}: GB/s (8 MiB buffer)"][1],
                             rows[f"{side} from calibrate's 512 MiB (the profile's)"][1])
        self.assertEqual(os.listdir(folder), [])  # neither tool's file is left behind
        for bad in ("lots", "0 MiB", "xGiB"):
            p = subprocess.run([sys.executable, script, folder, "--bytes", bad], capture_output=True, text=True)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(f"--bytes: expected a size such as '2 GiB' or '512 MiB', got '{bad}'", p.stderr)

    def test_a_real_run_moves_what_the_simulator_moves_and_reports_both(self):
        p, out = self.real_run("training")
        row = read_row(os.path.join(out, "results.csv"))
        self.assertEqual(row["backend"], "real")
        self.assertIn("host memory standing in for HBM", row["tier0_medium"])
        # The same residency and policies: every link moved exactly the predicted bytes.
        for link in ("h2d", "d2h", "disk_read", "disk_write"):
            self.assertEqual(float(row[f"{link}_bytes"]), float(row[f"predicted_{link}_bytes"]), link)
            if link != "disk_write":  # dirty experts reach the disk only in the final flush here
                self.assertGreater(float(row[f"{link}_bytes"]), 0, link)
        self.assertGreater(int(row["flush_disk_write_objects"]), 0)
        self.assertEqual(int(row["steps"]), 300)
        self.assertGreater(int(row["experts_checked"]), 0)
        self.assertEqual(int(row["training_updates"]), int(row["accesses"]))
        self.assertGreater(float(row["step_time_mean_us"]), 0)
        self.assertIn("error_step_time_mean_us", row)
        with open(os.path.join(out, "comparison.csv")) as f:
            figures = {r["figure"]: r for r in csv.DictReader(f)}
        self.assertIn("disk_read_latency_p50_us", figures)
        # Busy time is compared as time in flight (a real copy's latency and service are one
        # span), on both sides: the prediction's is the simulated link's own figure.
        self.assertNotIn("disk_read_busy_s", figures)
        for link in ("h2d", "d2h", "disk_read", "disk_write"):
            self.assertEqual(float(figures[f"{link}_in_flight_s"]["measured"]), float(row[f"{link}_in_flight_s"]), link)
            self.assertEqual(float(row[f"{link}_in_flight_s"]), float(row[f"{link}_busy_s"]), link)
            if link != "disk_write":
                self.assertGreater(float(row[f"predicted_{link}_in_flight_s"]), 0, link)
        self.assertIn("step_time_mean_us", p.stdout)
        # The profile it predicted with, and how steady the machine was while it was calibrated.
        with open(self.profile) as f:
            spreads = {link: fit["round_spread"] for link, fit in json.load(f)["calibration"]["fit"].items()}
        self.assertIn(f"predicted with {self.profile} (calibrated ", p.stdout)
        self.assertIn("its rounds lay apart by: host_copy ", p.stdout)
        with open(os.path.join(out, "summary.json")) as f:
            recorded = json.load(f)["machine"]["hardware_profile"]
        self.assertEqual(recorded["path"], self.profile)
        self.assertEqual(recorded["round_spread"], spreads)

    def test_a_profile_calibrated_while_the_machine_was_unsteady_is_said_beside_the_table(self):
        with open(self.profile) as f:
            profile = json.load(f)
        for fit in profile["calibration"]["fit"].values():
            fit["round_spread"] = 0.01
        profile["calibration"]["fit"]["nvme_read"]["round_spread"] = 0.3
        unsteady = os.path.join(self.dir, "unsteady.json")
        with open(unsteady, "w") as f:
            json.dump(profile, f)
        out = os.path.join(self.dir, "unsteady-run")
        p = run("run", CONFIG, "--backend", "real", "--set", f"hardware={unsteady}", "--set", "workload.generator.steps=20",
                "--nvme-dir", os.path.join(self.dir, "unsteady-nvme"), "--out", out)
        self.assertIn("nvme_read 30.0 % (unsteady)", p.stdout)
        self.assertIn("note: the profile's nvme_read was calibrated while the machine's speed moved by more than 10 %", p.stdout)
        self.assertIn("host_copy 1.0 %, nvme_read", p.stdout)
        self.assertNotIn("host_copy was calibrated", p.stdout)
        # Without rounds (a profile written by hand) there is nothing to say.
        del profile["calibration"]
        with open(unsteady, "w") as f:
            json.dump(profile, f)
        p = run("run", CONFIG, "--backend", "real", "--set", f"hardware={unsteady}", "--set", "workload.generator.steps=20",
                "--nvme-dir", os.path.join(self.dir, "unsteady-nvme"), "--out", out + "-2")
        self.assertIn(f"predicted with {unsteady}\n", p.stdout)
        self.assertNotIn("rounds lay apart", p.stdout)
        self.assertNotIn("speed moved", p.stdout)

    def test_checks_that_outlast_the_compute_are_counted_and_said(self):
        # No compute at all: every layer's check makes it end late.
        p, out = self.real_run("no-compute", "--set", "workload.compute_per_layer=0 s", "--set", "workload.generator.steps=40")
        row = read_row(os.path.join(out, "results.csv"))
        self.assertEqual(int(row["check_overrun_layers"]), 40)  # one layer per step in this workload
        self.assertGreater(float(row["check_overrun_s"]), 0)
        self.assertLessEqual(float(row["check_overrun_s"]), float(row["check_time_s"]))
        self.assertIn("outlasted the compute in 40 of 40 layers", p.stdout)
        # A long compute hides every check.
        p, out = self.real_run("long-compute", "--set", "workload.compute_per_layer=50 ms", "--set", "workload.generator.steps=20")
        row = read_row(os.path.join(out, "results.csv"))
        self.assertEqual(int(row["check_overrun_layers"]), 0)
        self.assertEqual(float(row["check_overrun_s"]), 0)
        self.assertNotIn("outlasted", p.stdout)

    def test_a_prefetch_into_dram_lands_before_the_demand_copy_reads_it(self):
        # Pipelined steps with the oracle staging experts from disk into DRAM: a miss on an
        # expert still being staged must wait for those bytes, or the data check fails.
        _, out = self.real_run("prefetch", "--set", "workload.overlap=\"pipelined\"", "--set",
                               "workload.prefetch={\"name\": \"oracle\", \"depth\": 2, \"target\": \"cpu\"}")
        row = read_row(os.path.join(out, "results.csv"))
        self.assertGreater(int(row["prefetch_issued"]), 0)
        self.assertGreater(int(row["experts_checked"]), 0)
        for link in ("h2d", "disk_read"):
            self.assertEqual(float(row[f"{link}_bytes"]), float(row[f"predicted_{link}_bytes"]), link)

    def test_a_deleted_or_truncated_expert_file_is_written_again_not_reused(self):
        nvme = os.path.join(self.dir, "gone-nvme")
        self.real_run("gone-first", "--set", "workload.mode=inference", nvme=nvme)
        os.remove(os.path.join(nvme, "expert_3.bin"))
        with open(os.path.join(nvme, "expert_5.bin"), "r+b") as f:
            f.truncate(4096)
        p, _ = self.real_run("gone-second", "--set", "workload.mode=inference", nvme=nvme)
        self.assertIn("writing the backing store's files", p.stdout)
        self.assertGreater(os.path.getsize(os.path.join(nvme, "expert_3.bin")), 4096)
        p, _ = self.real_run("gone-third", "--set", "workload.mode=inference", nvme=nvme)
        self.assertIn("reusing the backing store's files", p.stdout)

    def test_an_interrupted_real_run_removes_the_files_it_wrote(self):
        nvme, out = os.path.join(self.dir, "stop-nvme"), os.path.join(self.dir, "stop")
        p = subprocess.Popen([TIERSIM, "run", CONFIG, "--backend", "real", "--set", f"hardware={self.profile}",
                              "--set", "workload.generator.steps=100000000", "--nvme-dir", nvme, "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.isdir(nvme) and any(f.endswith(".json") for f in os.listdir(nvme))):
            time.sleep(0.05)  # the manifest is written once the files are
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 130, err)
        self.assertEqual(os.listdir(nvme), [])  # the folder was named by the user: it stays, emptied
        self.assertFalse(os.path.exists(out))

    def test_a_flipped_byte_in_an_expert_file_is_found_and_traced_to_the_file(self):
        nvme = os.path.join(self.dir, "flip-nvme")
        self.real_run("flip-first", "--set", "workload.mode=inference", nvme=nvme)
        path = os.path.join(nvme, "expert_3.bin")
        with open(path, "r+b") as f:
            f.seek(4097)
            byte = f.read(1)
            f.seek(4097)
            f.write(bytes([byte[0] ^ 0x40]))
        p, out = self.real_run("flip-second", "--set", "workload.mode=inference", check=False, nvme=nvme)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("data check failed", p.stderr)
        self.assertIn("from offset 4097", p.stderr)  # the byte itself, not its 8-byte word
        self.assertIn('came from tier "disk"', p.stderr)
        self.assertIn("expert_3.bin", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))

    def test_machines_that_cannot_do_it_get_a_clear_message(self):
        if os.path.isdir("/dev/shm"):
            p, _ = self.real_run("tmpfs", check=False, nvme="/dev/shm/tiersim-test-nvme")
            self.assertEqual(p.returncode, 6, p.stderr)
            self.assertIn("tmpfs", p.stderr)
            p = run("calibrate", "--out", os.path.join(self.dir, "x"), "--nvme-dir", "/dev/shm/tiersim-test-cal", check=False)
            self.assertEqual(p.returncode, 6, p.stderr)
            shutil.rmtree("/dev/shm/tiersim-test-nvme", ignore_errors=True)
            shutil.rmtree("/dev/shm/tiersim-test-cal", ignore_errors=True)
        p, _ = self.real_run("gpu", "--gpu", "0", check=False)
        if p.returncode != 0:  # a machine with a GPU runs it
            self.assertEqual(p.returncode, 6, p.stderr)
            self.assertTrue("GPU" in p.stderr or "CUDA" in p.stderr, p.stderr)
        p, _ = self.real_run("memory", "--set", "workload.expert_bytes=4 TiB", check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("--scale", p.stderr)

    def test_bad_options_and_configs_are_input_errors(self):
        for scale in ("0", "2", "x/3", "1/0"):
            p, _ = self.real_run("scale", "--scale", scale, check=False)
            self.assertEqual(p.returncode, 2, (scale, p.stderr))
            self.assertIn("--scale", p.stderr)
        p, _ = self.real_run("warm", "--set", 'workload.warm_tier={"threshold": 2}', check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("workload.warm_tier", p.stderr)
        a_file = os.path.join(self.dir, "profile.txt")
        with open(a_file, "w") as f:
            f.write("not a folder\n")
        p = run("calibrate", "--out", a_file, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("exists and is not a folder", p.stderr)
        p = run("calibrate", "--out", os.path.join(self.dir, "old-style.json"), check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("calibrate writes a folder", p.stderr)
        self.assertIn(os.path.join(self.dir, "old-style"), p.stderr)
        p = run("calibrate", "--out", os.path.join(self.dir, "p"), "--queue-depth", "4", "--queue-depths", "1,8", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        for rounds in ("0", "101"):
            p = run("calibrate", "--out", os.path.join(self.dir, "rounds"), "--rounds", rounds, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(f"--rounds: expected 1 to 100, got {rounds}", p.stderr)
        p = run("calibrate", "--out", os.path.join(self.dir, "small-buffer"), "--max-size", "4 MiB", "--buffer", "1 MiB", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--buffer 1 MiB is smaller than the largest transfer", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "small-buffer")))
        for io_buffer, why in (("3 MiB", "--io-buffer 3 MiB: expected a multiple of --block-size (2 MiB)"),
                               ("1 GiB", "--io-buffer 1 GiB is larger than --buffer (512 MiB)")):
            p = run("calibrate", "--out", os.path.join(self.dir, "ring"), "--block-size", "2 MiB", "--io-buffer", io_buffer, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(why, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.dir, "ring")))
        for cpus, why in (("1-x", "expected CPU numbers and ranges"), ("1-0", "runs backwards"), ("1000", "may not run on CPU 1000"), ("5000", "beyond what the kernel can name")):
            p, out = self.real_run("cpus", "--cpus", cpus, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(f'--cpus "{cpus}"', p.stderr)
            self.assertIn(why, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))
            p = run("calibrate", "--out", os.path.join(self.dir, "cpus"), "--cpus", cpus, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(why, p.stderr)

    def test_threads_kept_on_chosen_cpus_are_reported(self):
        allowed = sorted(os.sched_getaffinity(0))
        p, out = self.real_run("pinned", "--cpus", str(allowed[0]))
        with open(os.path.join(out, "summary.json")) as f:
            self.assertEqual(json.load(f)["machine"]["cpus"], str(allowed[0]))
        self.assertIn(f"threads on CPU {allowed[0]}", p.stdout)
        folder = os.path.join(self.dir, "pinned")
        profile = os.path.join(folder, "profile.json")
        run("calibrate", "--out", folder, "--skip-files", "--skip-wake", "--no-plot", "--cpus", str(allowed[0]),
            "--max-size", "64 KiB", "--bytes-per-point", "1 MiB")
        with open(profile) as f:
            self.assertEqual(json.load(f)["calibration"]["cpus"], str(allowed[0]))

    def test_one_size_through_a_small_buffer_is_measured_but_not_fitted(self):
        folder = os.path.join(self.dir, "one-size")
        profile = os.path.join(folder, "profile.json")
        p = run("calibrate", "--out", folder, "--skip-files", "--no-plot", "--min-size", "64 KiB", "--max-size", "64 KiB",
                "--buffer", "1 MiB", "--bytes-per-point", "4 MiB", "--rounds", "1")
        self.assertIn("host_copy measured at one size only", p.stderr)
        with open(profile) as f:
            written = json.load(f)
        self.assertEqual(written["links"], {})
        self.assertEqual(written["calibration"]["buffer"], "1 MiB")
        with open(os.path.join(folder, "measurements.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual({int(r["bytes"]) for r in rows}, {65536})
        self.assertEqual({r["link"] for r in rows}, {"host_copy"})
        self.assertEqual({(r["rounds"], r["round_spread"], r["repeats"]) for r in rows}, {("1", "0", "64")})
        self.assertNotIn("round 1/1", p.stderr)

    def test_file_requests_through_fios_small_buffer_are_measured_and_recorded(self):
        folder = os.path.join(self.dir, "ring")
        profile = os.path.join(folder, "profile.json")
        run("calibrate", "--out", folder, "--nvme-dir", os.path.join(self.dir, "ring"), "--skip-memcpy", "--skip-wake", "--no-plot",
            "--queue-depths", "8", "--min-size", "4 MiB", "--max-size", "16 MiB", "--bytes-per-point", "32 MiB", "--io-buffer", "8 MiB")
        with open(profile) as f:
            written = json.load(f)
        self.assertEqual(written["calibration"]["io_buffer"], "8 MiB")
        self.assertEqual(set(written["links"]), {"nvme_read", "nvme_write"})
        with open(os.path.join(folder, "measurements.csv")) as f:
            sizes = {(r["link"], int(r["bytes"])) for r in csv.DictReader(f)}
        self.assertEqual(sizes, {(link, size << 20) for link in ("nvme_read", "nvme_write") for size in (4, 8, 16)})

    def test_wake_up_sweep_is_measured_for_every_modelled_link_and_fitted_where_it_shows(self):
        with open(os.path.join(self.folder, "wake.csv")) as f:
            rows = list(csv.DictReader(f))
        with open(self.profile) as f:
            profile = json.load(f)
        gaps = [0, 25, 50, 100, 200, 400, 800, 1600]
        for link, qd in (("host_copy", "0"), ("nvme_read", "8"), ("nvme_write", "8")):
            sweep = [r for r in rows if r["link"] == link]
            self.assertEqual([float(r["idle_us"]) for r in sweep], gaps, link)  # the profile's queue depth only
            self.assertEqual({r["queue_depth"] for r in sweep}, {qd})
            self.assertEqual({int(r["bytes"]) for r in sweep}, {65536})
            for r in sweep:
                self.assertAlmostEqual(float(r["extra_us"]), float(r["median_us"]) - float(sweep[0]["median_us"]), places=2)
                # In calibrate's rounds (3 by default), every gap in each, their times pooled.
                self.assertEqual(int(r["rounds"]), 3)
                self.assertGreaterEqual(float(r["round_spread"]), 0)
            recorded = profile["calibration"]["wake"][link]
            self.assertEqual(recorded["size"], "64 KiB")
            self.assertTrue(recorded["back_to_back"].endswith(" us"))
            # Where the profile says the link wakes up, it is a cost the sweep measured.
            if "wake" in profile["links"][link]:
                wake = profile["links"][link]["wake"]
                after, latency = float(wake["after"].split()[0]), float(wake["latency"].split()[0])
                self.assertTrue(25 <= after <= 1600, wake)
                self.assertLessEqual(latency, max(float(r["extra_us"]) for r in sweep) + 1e-3, wake)
                self.assertGreater(latency, 0)
        self.assertIn("after 1600 us idle", self.calibrate.stderr)

    def test_skip_wake_measures_no_sweep(self):
        folder = os.path.join(self.dir, "no-wake")
        profile = os.path.join(folder, "profile.json")
        run("calibrate", "--out", folder, "--skip-files", "--skip-wake", "--no-plot", "--max-size", "256 KiB", "--bytes-per-point", "4 MiB")
        with open(profile) as f:
            written = json.load(f)
        self.assertNotIn("wake", written["calibration"])
        self.assertNotIn("wake", written["links"]["host_copy"])
        self.assertFalse(os.path.exists(os.path.join(folder, "wake.csv")))


if __name__ == "__main__":
    unittest.main()
