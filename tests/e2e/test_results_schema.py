# Release only: it checks the model's answers (the same code the sanitizer build runs in unit tests), at length.
"""End-to-end: docs/results.md names every column tiersim writes. Every shipped config and
sweep is run (sweeps shortened to their first points) along with `tiersim cache` and
`tiersim mrc`, and each column of each results.csv and mrc.csv must match a documented
column, with <tier>, <link>, <store>, <kind> and <path> standing for names."""
import csv
import glob
import json
import os
import re
import unittest

from tiersim_cli import ROOT, run, temp_dir

DOC = os.path.join(ROOT, "docs", "results.md")
KINDS = "reload|optimizer|fetch|writeback|prefetch|promote|serve|demote|retry|replica|reread|flush"


def documented_patterns():
    section = open(DOC).read().split("## Every column", 1)[1].split("## Other files", 1)[0]
    patterns = []
    for line in section.splitlines():
        if line.startswith("| `"):
            for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
                regex = re.escape(name)
                for placeholder, part in (("<tier>", "[a-z0-9_]+"), ("<link>", "[a-z0-9_]+"), ("<store>", "[a-z0-9_]+"),
                                          ("<kind>", f"(?:{KINDS})"), ("<path>", r"[a-z0-9_]+(?:\.[a-z0-9_\[\]]+)+")):
                    regex = regex.replace(re.escape(placeholder), part)
                patterns.append(re.compile(regex + "$"))
    return patterns


def header(path):
    with open(path, newline="") as f:
        return next(csv.reader(f))


class ResultsSchema(unittest.TestCase):
    def test_every_column_of_every_shipped_config_is_documented(self):
        patterns = documented_patterns()
        self.assertGreater(len(patterns), 100)
        files = []
        with temp_dir() as tmp:
            for config in sorted(glob.glob(os.path.join(ROOT, "configs", "*.json"))):
                out = os.path.join(tmp, os.path.basename(config))
                run("run", config, "--out", out, "--quiet")
                files.append(os.path.join(out, "results.csv"))
            run("bench-cache", "--steps", "200", "--out", os.path.join(tmp, "bench"), "--quiet")
            files.append(os.path.join(tmp, "bench", "results.csv"))
            for sweep in sorted(glob.glob(os.path.join(ROOT, "configs", "sweeps", "*.json"))):
                out = os.path.join(tmp, "sweep-" + os.path.basename(sweep))
                run("sweep", sweep, "--out", out, "--quiet", "--shard", "1/8", "--jobs", "2")
                files.append(os.path.join(out, "results.csv"))
            trace = os.path.join(tmp, "t.csv")
            run("trace", "gen", "--steps", "200", "-o", trace)
            run("cache", trace, "--policy", "lru,ttl", "--size", "8", "--out", os.path.join(tmp, "cache"))
            run("mrc", trace, "--l1", "4", "--out", os.path.join(tmp, "mrc"))
            files += [os.path.join(tmp, "cache", "results.csv"), os.path.join(tmp, "mrc", "mrc.csv")]
            for path in files:
                for column in header(path):
                    self.assertTrue(any(p.match(column) for p in patterns), f"{column} (in {path}) is not in docs/results.md")


if __name__ == "__main__":
    unittest.main()
