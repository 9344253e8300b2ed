"""Helpers for end-to-end tests: run the tiersim binary as a user would."""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

TIERSIM = os.environ.get("TIERSIM", os.path.join(ROOT, "build", "tiersim"))


def run(*args, check=True, cwd=None):
    """Runs tiersim; returns CompletedProcess with text stdout/stderr."""
    p = subprocess.run([TIERSIM, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"tiersim {' '.join(map(str, args))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def read_row(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1, rows
    return rows[0]


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="tiersim-test-")
