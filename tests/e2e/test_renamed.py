"""End-to-end: every renamed flag and config key that docs/renamed.md lists is refused with
an error naming its new spelling, and the new spelling works; configs may carry comments;
tiersim --version says what it is."""
import json
import os
import re
import unittest

from tiersim_cli import ROOT, read_config, run, temp_dir

DOC = os.path.join(ROOT, "docs", "renamed.md")


def table(heading):
    """The rows of the markdown table under `## heading`, as lists of cells without backticks."""
    with open(DOC) as f:
        text = f.read()
    section = text.split("## " + heading + "\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]


class RenamedFlags(unittest.TestCase):
    def test_every_old_flag_names_its_new_spelling(self):
        rows = table("Flags")
        self.assertGreaterEqual(len(rows), 10)
        for command, old, new in rows:
            p = run(*command.split(), old, "1", check=False)
            self.assertEqual(p.returncode, 1, (command, old, p.stderr))
            self.assertIn(f"{old} is now {new}", p.stderr, (command, old))
            self.assertIn("docs/renamed.md", p.stderr)

    def test_the_new_spellings_work(self):
        with temp_dir() as tmp:
            trace = os.path.join(tmp, "t.oracleGeneral")
            run("trace", "gen", "--sampler", "markov", "--n-experts", "32", "--n-layers", "2", "--experts-per-step", "2",
                "--p-stay", "0.5", "--steps", "20", "--format", "oracleGeneral", "--object-size", "4096", "-o", trace)
            p = run("bench-cache", "--trace", trace, "--trace-format", "oracleGeneral", "--n-layers", "2", "--n-experts", "32",
                    "--gpu-slots", "8", "--cpu_cache", "16", "--compute-per-layer", "1 ms", "--expert-bytes", "1 MiB",
                    "--out", os.path.join(tmp, "bc"), "--quiet")
            self.assertEqual(p.stderr, "")
            self.assertTrue(os.path.exists(os.path.join(tmp, "bc", "results.csv")))

    def test_the_prototypes_flags_stay_as_aliases(self):
        # The MoE prototype's bench_cache.py command line, as its README gives it.
        p = run("bench-cache", "--n_experts", "2048", "--gpu_slots", "16", "--cpu_cache", "64", "--disk_root", "/tmp/ooc_disk",
                "--sampler", "episode", "--episode_len", "50", "--experts_per_step", "4", "--sim_h2d_gbps", "12",
                "--sim_d2h_gbps", "12", "--sim_disk_read_gbps", "3", "--sim_disk_write_gbps", "2", "--sim_extra_ms_per_io",
                "0.2", "--print-config")
        config = json.loads(p.stdout)
        self.assertEqual(config["tiers"][0]["capacity"], 16)
        self.assertEqual(config["workload"]["generator"]["episode_len"], 50)


class RenamedKeys(unittest.TestCase):
    def test_every_old_key_names_its_new_place(self):
        rows = table("Config keys")
        self.assertGreaterEqual(len(rows), 3)
        configs = {"kv_cache": os.path.join(ROOT, "configs", "kv_synthetic_chat.json"),
                   None: os.path.join(ROOT, "configs", "default.json")}
        with temp_dir() as tmp:
            for old, new in rows:
                which = "kv_cache" if "(kv_cache)" in old else None
                key = old.split()[0]
                config = read_config(configs[which])
                node = config
                for part in key.split(".")[:-1]:
                    node = node[part]
                node[key.split(".")[-1]] = {} if which else True
                path = os.path.join(tmp, "c.json")
                with open(path, "w") as f:
                    json.dump(config, f)
                p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
                self.assertEqual(p.returncode, 2, (old, p.stderr))
                wanted = re.sub(r"\[-1\]", "[", new.split(":")[0].split("`")[0]).split("[")[-1].split(".")[-1]
                self.assertIn(wanted, p.stderr, (old, new))
                self.assertFalse(os.path.exists(os.path.join(tmp, "out", "results.csv")))


class Comments(unittest.TestCase):
    def test_a_config_and_a_sweep_may_carry_comments(self):
        with temp_dir() as tmp:
            config = read_config(os.path.join(ROOT, "configs", "default.json"))
            text = json.dumps(config, indent=2).replace('"tiers": [', '// why these tiers: the GPU holds one layer\n  "tiers": [ /* fastest first */', 1)
            path = os.path.join(tmp, "commented.json")
            with open(path, "w") as f:
                f.write("// a study with notes\n" + text)
            run("run", path, "--set", "workload.generator.steps=50", "--out", os.path.join(tmp, "run"), "--quiet")
            sweep = os.path.join(tmp, "sweep.json")
            with open(sweep, "w") as f:
                f.write('{ // two points\n "base": "commented.json", "set": {"workload.generator.steps": 30},\n'
                        ' "grid": {"tiers.dram.capacity": ["24 GiB", "32 GiB"]} /* DRAM sizes */ }\n')
            run("sweep", sweep, "--out", os.path.join(tmp, "sweep"), "--quiet")
            with open(os.path.join(tmp, "sweep", "results.csv")) as f:
                self.assertEqual(len(f.read().splitlines()), 3)


class Version(unittest.TestCase):
    def test_version(self):
        p = run("--version")
        self.assertRegex(p.stdout, r"^tiersim \d+\.\d+\.\d+ \(")


if __name__ == "__main__":
    unittest.main()
