"""The layout's dependency arrows, read from the includes: every #include "..." of a
project file points to its own layer or one below it.

    sim/  <-  traces/  <-  models/  <-  run/  <-  real_backend/  <-  app/

sim/ knows no model, traces/ is plain data, models/ builds on both, run/ wires a config
into a simulation for the CLI and the real backend, and app/ (the command line) is the
only layer nothing includes. Inside models/, a workload is included by nothing but app/,
run/ and real_backend/ through its own header."""
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAYERS = ["sim", "traces", "models", "run", "real_backend", "app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def project_files():
    for layer in LAYERS:
        for base, _, files in os.walk(os.path.join(ROOT, layer)):
            for f in files:
                if f.endswith((".h", ".cpp", ".cu", ".h.in")):
                    yield os.path.relpath(os.path.join(base, f), ROOT)


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def upward(graph):
    """The includes of `graph` (path -> included paths) that point up a layer or out of all."""
    wrong = []
    for path, incs in graph.items():
        own = LAYERS.index(path.split("/")[0])
        for inc in incs:
            top = inc.split("/")[0]
            if top == "tiersim":  # the generated version header
                continue
            if top not in LAYERS or LAYERS.index(top) > own:
                wrong.append(f"{path} -> {inc}")
    return wrong


class Dependencies(unittest.TestCase):
    def test_every_include_points_to_its_layer_or_below(self):
        graph = {path: includes(path) for path in project_files()}
        self.assertGreater(len(graph), 100)
        self.assertEqual(upward(graph), [], "includes that point up a layer")

    def test_workloads_are_reached_only_from_above_models_and_from_themselves(self):
        wrong = []
        for path in project_files():
            if not path.startswith("models/"):
                continue
            mine = path.split("/")[2] if path.startswith("models/workloads/") and path.count("/") > 2 else None
            for inc in includes(path):
                m = re.match(r"models/workloads/([^/]+)/", inc)
                if m and m.group(1) != mine:
                    wrong.append(f"{path} -> {inc}")
        self.assertEqual(wrong, [], "model code that reaches into a workload's folder")

    def test_the_checker_sees_a_wrong_arrow(self):
        graph = {"sim/engine/x.cpp": INCLUDE.findall('#include "app/commands.h"\n#include "sim/errors.h"\n'),
                 "models/y.cpp": ["run/simulate.h", "traces/access.h"]}
        self.assertEqual(upward(graph), ["sim/engine/x.cpp -> app/commands.h", "models/y.cpp -> run/simulate.h"])


if __name__ == "__main__":
    unittest.main()
