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


# The Mooncake traces shipped with the repository (zstd-compressed JSON lines).
MOONCAKE = os.path.join(ROOT, "traces", "data", "mooncake")


def mooncake_requests(name):
    """The requests of a shipped Mooncake trace ("conversation_trace"), decompressed."""
    text = subprocess.run(["zstd", "-dc", os.path.join(MOONCAKE, name + ".jsonl.zst")], capture_output=True, text=True,
                          check=True).stdout
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_config(path):
    """A config file's JSON with its file paths ("hardware", the workload's trace) made
    absolute, as they are read from the config's own folder, so that a copy written
    elsewhere runs the same."""
    with open(path) as f:
        config = json.load(f)
    here = os.path.dirname(os.path.abspath(path))
    if isinstance(config.get("hardware"), str):
        config["hardware"] = os.path.normpath(os.path.join(here, config["hardware"]))
    trace = config.get("workload", {}).get("trace")
    if isinstance(trace, str):
        config["workload"]["trace"] = os.path.normpath(os.path.join(here, trace))
    elif isinstance(trace, dict) and isinstance(trace.get("path"), str):
        trace["path"] = os.path.normpath(os.path.join(here, trace["path"]))
    return config


def run_config(tmp, name, config):
    """Writes `config` as TMP/NAME.json, runs it into TMP/NAME quietly and returns its row."""
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(config, f)
    out = os.path.join(tmp, name)
    run("run", path, "--out", out, "--quiet")
    return read_row(os.path.join(out, "results.csv"))


def quick_sweep(directory, steps=300):
    """configs/sweeps/quick.json with fewer steps, written into `directory` (its base made
    absolute, so it runs from anywhere); returns its path."""
    sweeps = os.path.join(ROOT, "configs", "sweeps")
    with open(os.path.join(sweeps, "quick.json")) as f:
        sweep = json.load(f)
    sweep["base"] = os.path.normpath(os.path.join(sweeps, sweep["base"]))
    sweep["set"]["workload.generator"]["steps"] = steps
    path = os.path.join(directory, "quick.json")
    with open(path, "w") as f:
        json.dump(sweep, f)
    return path


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="tiersim-test-")


def two_tier_kv(trace, hbm="100 TB", bandwidth="50 GB/s", block_tokens=16, **workload):
    """A KV-cache config over one first tier and a store below it (one link each way), the
    trace in blocks and chunks of `block_tokens`, llama3_8b's KV shape, loading whatever is
    cached; `workload` adds or replaces workload keys (None removes one)."""
    w = {"type": "kv_cache", "trace": trace, "block_tokens": block_tokens, "chunk_tokens": block_tokens,
         "model": "llama3_8b", "prefill": {"fixed": "1 ms"}, "load_policy": "always"}
    for key, value in workload.items():
        if value is None:
            w.pop(key, None)
        else:
            w[key] = value
    return {"name": "kv", "seed": 1,
            "tiers": [{"name": "hbm", "capacity": hbm}, {"name": "store"}],
            "links": [{"name": "up", "from": "store", "to": "hbm", "bandwidth": bandwidth},
                      {"name": "down", "from": "hbm", "to": "store", "bandwidth": bandwidth}],
            "workload": w}
