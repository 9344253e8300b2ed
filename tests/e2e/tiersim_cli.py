"""Helpers for end-to-end tests: run the tiersim binary as a user would."""
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

TIERSIM = os.environ.get("TIERSIM", os.path.join(ROOT, "build", "tiersim"))


def run(*args, check=True, cwd=None, env=None):
    """Runs tiersim; returns CompletedProcess with text stdout/stderr."""
    p = subprocess.run([TIERSIM, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"tiersim {' '.join(map(str, args))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def read_row(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1, rows
    return rows[0]


def quick_sweep(directory, steps=300):
    """configs/sweeps/quick.json with fewer steps, written into `directory` (its base made
    absolute, so it runs from anywhere); returns its path."""
    with open(os.path.join(ROOT, "configs", "sweeps", "quick.json")) as f:
        sweep = json.load(f)
    sweep["base"] = os.path.join(ROOT, sweep["base"])
    sweep["set"]["workload.generator"]["steps"] = steps
    path = os.path.join(directory, "quick.json")
    with open(path, "w") as f:
        json.dump(sweep, f)
    return path


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="tiersim-test-")
