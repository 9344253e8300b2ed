"""One writer per output folder: run, sweep and merge lock DIR/.tiersim.lock; a second
writer is refused naming the holder, and a lock whose holder is gone is taken over."""
import csv
import fcntl
import json
import os
import subprocess
import unittest

from tiersim_cli import ROOT, TIERSIM, run, temp_dir

QUICK = os.path.join(ROOT, "configs", "bench_cache_quickstart.json")
LOCK = ".tiersim.lock"


def sweep_file(tmp, name, capacities):
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump({"name": name, "base": QUICK, "set": {"workload.generator.steps": 300},
                   "grid": {"tiers.gpu.capacity": capacities}}, f)
    return path


class OutputLock(unittest.TestCase):
    def test_a_second_writer_is_refused_naming_the_holder(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "out")
            os.makedirs(out)
            with open(os.path.join(out, LOCK), "w") as held:
                fcntl.flock(held, fcntl.LOCK_EX)
                held.write("tiersim sweep, process 4242 on otherhost\n")
                held.flush()
                for args in (("run", QUICK, "--out", out), ("sweep", sweep_file(tmp, "s", [8]), "--out", out),
                             ("merge", out, "--out", out)):
                    p = run(*args, check=False)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn("another tiersim is writing here (tiersim sweep, process 4242 on otherhost)", p.stderr)
            self.assertEqual(os.listdir(out), [LOCK])  # nothing written beside the holder's lock

    def test_a_lock_whose_holder_is_gone_is_taken_over_with_a_notice(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "out")
            os.makedirs(out)
            with open(os.path.join(out, LOCK), "w") as f:
                f.write("tiersim run, process 999999 on gonehost\n")  # left by a killed run: not flocked
            with open(os.path.join(out, ".summary.json.tmp.999999"), "w") as f:
                f.write("{")  # and the temporary it was writing
            p = run("run", QUICK, "--out", out, "--set", "workload.generator.steps=50", "--quiet")
            self.assertIn("taking over the lock of tiersim run, process 999999 on gonehost", p.stderr)
            self.assertTrue(os.path.exists(os.path.join(out, "results.csv")))
            self.assertFalse(os.path.exists(os.path.join(out, LOCK)))  # released and removed when done
            self.assertEqual(sorted(os.listdir(out)), ["histograms.csv", "results.csv", "summary.json"])

    def test_two_sweeps_started_together_into_one_folder_never_both_succeed(self):
        with temp_dir() as tmp:
            for attempt in range(5):
                out = os.path.join(tmp, f"out{attempt}")
                sweeps = [sweep_file(tmp, "a", [8, 16, 24, 32] * 5), sweep_file(tmp, "b", [4, 12] * 5)]
                procs = [subprocess.Popen([TIERSIM, "sweep", s, "--out", out, "--quiet", "--jobs", "1"],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in sweeps]
                codes = [p.wait(timeout=300) for p in procs]
                for p in procs:
                    p.stdout.close()
                    p.stderr.close()
                self.assertEqual(sorted(codes), [0, 2], codes)
                with open(os.path.join(out, "results.csv")) as f:
                    rows = list(csv.DictReader(f))
                self.assertEqual(len(rows), 20 if codes[0] == 0 else 10)
                self.assertEqual({r["tiers.gpu.capacity"] for r in rows}, {"8", "16", "24", "32"} if codes[0] == 0 else {"4", "12"})

    def test_a_failed_run_leaves_no_folder_behind(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "new", "out")
            p = run("run", QUICK, "--out", out, "--set", "workload.trace=" + os.path.join(tmp, "missing.csv"), check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
