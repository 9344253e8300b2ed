"""End-to-end on a real single-node Slurm: `tiersim sweep --slurm --submit` runs the sweep
as a job array plus a dependent merge job, and the merged CSV equals a local run's."""
import os
import unittest

import slurm_cluster
from tiersim_cli import ROOT, quick_sweep, run, temp_dir

REASON = slurm_cluster.why_not_available()


class SlurmScripts(unittest.TestCase):
    def test_scripts_are_written_without_slurm(self):
        with temp_dir() as tmp:
            out = os.path.join(tmp, "out")
            p = run("sweep", os.path.join(ROOT, "configs", "sweeps", "quick.json"), "--slurm", "--shards", "4",
                    "--jobs", "2", "--partition", "big", "--time", "01:00:00", "--out", out, cwd=ROOT)
            self.assertIn("sweep.sbatch (array of 4 shards)", p.stdout)
            with open(os.path.join(out, "slurm", "sweep.sbatch")) as f:
                script = f.read()
            for line in ("#SBATCH --array=1-4", "#SBATCH --partition=big", "#SBATCH --time=01:00:00",
                         "#SBATCH --cpus-per-task=2", '--shard "$SLURM_ARRAY_TASK_ID"/4 --resume'):
                self.assertIn(line, script)
            # every directive comes before the first command, or sbatch ignores it
            commands = [i for i, l in enumerate(script.splitlines()) if l and not l.startswith("#")]
            directives = [i for i, l in enumerate(script.splitlines()) if l.startswith("#SBATCH")]
            self.assertLess(max(directives), min(commands))
            with open(os.path.join(out, "slurm", "merge.sbatch")) as f:
                self.assertIn("/shard-4 --out", f.read())
            for bad, words in ((["--shards", "0"], "--shards"), ([], "--shards N"),
                               (["--shards", "1000"], "has only 20 points")):
                p = run("sweep", os.path.join(ROOT, "configs", "sweeps", "quick.json"), "--slurm", *bad,
                        "--out", os.path.join(tmp, "bad"), cwd=ROOT, check=False)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn(words, p.stderr)


@unittest.skipIf(REASON is not None, f"needs a real Slurm: {REASON}")
class RealSlurm(unittest.TestCase):
    def test_job_array_and_merge_equal_the_local_run(self):
        with temp_dir() as tmp:
            cluster = slurm_cluster.Cluster(os.path.join(tmp, "cluster"))
            cluster.start()
            try:
                path = quick_sweep(tmp)
                run("sweep", path, "--out", os.path.join(tmp, "local"), "--quiet")
                p = run("sweep", path, "--slurm", "--shards", "3", "--submit", "--out", os.path.join(tmp, "slurm"),
                        env=cluster.env)
                self.assertIn("submitted job array", p.stdout)
                cluster.wait_for_jobs()
                merged = os.path.join(tmp, "slurm", "results.csv")
                self.assertTrue(os.path.exists(merged), cluster.logs())
                with open(merged, "rb") as a, open(os.path.join(tmp, "local", "results.csv"), "rb") as b:
                    self.assertEqual(a.read(), b.read())
                for k in (1, 2, 3):
                    self.assertTrue(os.path.isdir(os.path.join(tmp, "slurm", f"shard-{k}", ".sweep")))
            finally:
                cluster.stop()


if __name__ == "__main__":
    unittest.main()
