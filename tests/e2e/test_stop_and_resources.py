"""Long work stops cleanly on SIGINT/SIGTERM (finished sweep points kept, nothing
half-written, exit 130/143), I/O failures exit 3 naming the real path, and outputs that
would grow without bound are refused with their estimated size."""
import csv
import json
import os
import signal
import subprocess
import time
import unittest

from tiersim_cli import ROOT, TIERSIM, run, temp_dir

QUICK = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")


def wait_for(predicate, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Stop(unittest.TestCase):
    def test_sigint_stops_a_long_run_leaving_nothing(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "o")
            p = subprocess.Popen([TIERSIM, "run", QUICK, "--out", out, "--set", "workload.generator.steps=1000000000000"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertTrue(wait_for(lambda: os.path.exists(os.path.join(out, ".tiersim.lock"))))
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 130, err)
            self.assertIn("interrupted (SIGINT); stopped cleanly", err)
            self.assertFalse(os.path.exists(out))  # the folder it made, empty, is gone too

    def test_sigterm_keeps_a_sweeps_finished_points_and_resume_completes_it(self):
        with temp_dir() as tmp:
            sweep = os.path.join(tmp, "s.json")
            with open(sweep, "w") as f:
                json.dump({"base": QUICK, "set": {"workload.generator.steps": 20000},
                           "grid": {"tiers.gpu.capacity": list(range(4, 64))}}, f)
            out, whole = os.path.join(tmp, "o"), os.path.join(tmp, "whole")
            p = subprocess.Popen([TIERSIM, "sweep", sweep, "--out", out, "--jobs", "2"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            chunk = os.path.join(out, ".sweep", "00000000.tsv")
            self.assertTrue(wait_for(lambda: os.path.exists(chunk) and os.path.getsize(chunk) > 0))
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=120)
            if p.returncode == 0:
                self.skipTest("the sweep finished before the signal arrived")
            self.assertEqual(p.returncode, 143, err)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))
            self.assertEqual([f for f in os.listdir(out) if f != ".sweep"], [])  # no lock, no temporaries
            run("sweep", sweep, "--out", out, "--resume", "--quiet")
            run("sweep", sweep, "--out", whole, "--quiet")
            with open(os.path.join(out, "results.csv")) as a, open(os.path.join(whole, "results.csv")) as b:
                self.assertEqual(a.read(), b.read())

    def test_progress_is_printed_every_few_seconds_into_a_pipe(self):
        with temp_dir() as tmp:
            p = subprocess.Popen([TIERSIM, "run", QUICK, "--out", os.path.join(tmp, "o"),
                                  "--set", "workload.generator.steps=1000000000000"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            line = p.stderr.readline()  # the first progress line, about 5 s in
            p.send_signal(signal.SIGINT)
            p.communicate(timeout=60)
            self.assertRegex(line, r"^run: \d+/1000000000000 steps \(\d+%\), \d+ s elapsed, ETA \S+")
            self.assertEqual(p.returncode, 130)


class Resources(unittest.TestCase):
    def test_an_output_folder_that_cannot_be_made_is_exit_3_naming_it(self):
        p = run("run", QUICK, "--out", "/dev/full/results", check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("/dev/full/results: cannot create output folder", p.stderr)

    def test_a_full_disk_is_exit_3_naming_the_file_and_keeps_finished_points(self):
        with temp_dir() as tmp:
            tiny = os.path.join(tmp, "tiny")
            os.makedirs(tiny)
            if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=80k", "tmpfs", tiny], capture_output=True).returncode != 0:
                self.skipTest("cannot mount a small tmpfs here")
            try:
                sweep = os.path.join(tmp, "s.json")
                with open(sweep, "w") as f:
                    json.dump({"base": QUICK, "set": {"workload.generator.steps": 50},
                               "grid": {"tiers.gpu.capacity": list(range(4, 200))}}, f)
                p = run("sweep", sweep, "--out", os.path.join(tiny, "s"), "--quiet", check=False)
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assertRegex(p.stderr, r"tiny/s/\.sweep/\S+: \S.*: No space left on device")
                self.assertNotIn("tmp.", p.stderr)
            finally:
                subprocess.run(["umount", tiny], check=True)

    def test_a_read_only_folder_is_exit_3_naming_it_for_results_and_expert_files(self):
        with temp_dir() as tmp:
            image, mnt = os.path.join(tmp, "ro.img"), os.path.join(tmp, "ro")
            os.makedirs(mnt)
            with open(image, "wb") as f:
                f.truncate(64 << 20)
            made = subprocess.run(["mkfs.ext4", "-q", "-F", image], capture_output=True).returncode == 0
            if not made or subprocess.run(["mount", "-o", "loop,ro", image, mnt], capture_output=True).returncode != 0:
                self.skipTest("cannot mount a read-only file system here")
            try:
                real = os.path.join(ROOT, "configs", "bench_cache_real.json")
                for args, says in ((("run", QUICK, "--out", os.path.join(mnt, "out")), "/ro/out: cannot create output folder"),
                                   (("run", real, "--backend", "real", "--nvme-dir", mnt, "--out", os.path.join(tmp, "r")),
                                    "/ro: --nvme-dir cannot hold the expert files: Read-only file system")):
                    p = run(*args, check=False)
                    self.assertEqual(p.returncode, 3, p.stderr)
                    self.assertIn(says, p.stderr)
                self.assertFalse(os.path.exists(os.path.join(tmp, "r")))
            finally:
                subprocess.run(["umount", mnt], check=True)

    def test_a_time_series_too_long_is_refused_with_its_estimate(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "o")
            p = run("run", QUICK, "--out", out, "--set", 'workload.timeseries_interval="10 ns"',
                    "--set", "workload.timeseries_max_rows=100000", check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertRegex(p.stderr, r"workload.timeseries_interval: 1e-08 s makes (about \S+ rows for the run's 2000 steps|"
                                       r"more than 100000 rows after \d+ steps), beyond workload.timeseries_max_rows 100000")
            self.assertFalse(os.path.exists(out))
            run("run", QUICK, "--out", out, "--set", 'workload.timeseries_interval="1 ms"', "--quiet")
            with open(os.path.join(out, "timeseries.csv")) as f:
                self.assertGreater(len(list(csv.reader(f))), 100)


if __name__ == "__main__":
    unittest.main()
