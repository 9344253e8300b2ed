"""End-to-end: docs/config-reference.md documents exactly the keys the parser accepts. For
every section of the reference, a config with an unknown key in that place is run; the
error lists the keys allowed there ("expected one of: ..."), and the section's table must
list the same keys. A key added to the parser without documentation, or documented but
not accepted, fails here."""
import json
import os
import re
import unittest

from tiersim_cli import ROOT, read_config, run, temp_dir

DOC = os.path.join(ROOT, "docs", "config-reference.md")
EXPERT = os.path.join(ROOT, "configs", "default.json")
WARM = os.path.join(ROOT, "configs", "warm_tier_prefetch.json")
KV = os.path.join(ROOT, "configs", "kv_synthetic_chat.json")
POOLED = os.path.join(ROOT, "configs", "kv_pooled_pd.json")
TRAIN = os.path.join(ROOT, "configs", "train_quickstart.json")
STORE = os.path.join(ROOT, "configs", "kvss_store_daemon.json")
UNKNOWN = "zz_not_a_key"


def documented():
    """Section heading (the text between backticks of a `### ` line) -> the keys in the
    first column of its table."""
    sections, current = {}, None
    with open(DOC) as f:
        for line in f:
            heading = re.match(r"^###\s+`([^`]+)`", line)
            if heading:
                current = heading.group(1)
                sections[current] = []
                continue
            if current and line.startswith("| `"):
                sections[current].append(re.match(r"^\| `([^`]+)`", line).group(1))
    return sections


def at(config, path):
    """The object at a dotted path with [i] indices (negative allowed)."""
    node = config
    for part in re.findall(r"[^.\[\]]+|\[-?\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node.setdefault(part, {})
    return node


def expert(path, **changes):
    def make():
        config = read_config(EXPERT)
        for key, value in changes.items():
            at(config, key.rsplit(".", 1)[0])[key.rsplit(".", 1)[1]] = value
        if "workload.trace" in changes:
            del config["workload"]["generator"]
        at(config, path)[UNKNOWN] = 1
        return config
    return make


def based(file, path, **changes):
    def make():
        config = read_config(file)
        for key, value in changes.items():
            parent, leaf = key.rsplit(".", 1)
            at(config, parent)[leaf] = value
        at(config, path)[UNKNOWN] = 1 if path else None
        if not path:
            config[UNKNOWN] = 1
        return config
    return make


# Section -> how to build a config with an unknown key there.
PROBES = {
    "(top level)": based(EXPERT, ""),
    "tiers[]": based(EXPERT, "tiers[0]"),
    "tiers[-1]": based(EXPERT, "tiers[-1]"),
    "tiers[-1].object_store": based(KV, "tiers[-1].object_store"),
    "tiers[-1].compression": based(KV, "tiers[-1].compression", **{"tiers[-1].compression.ratio": 2}),
    "links[]": based(EXPERT, "links[0]"),
    "links[].small_transfers": based(EXPERT, "links[0].small_transfers"),
    "links[].wake": based(EXPERT, "links[0].wake"),
    "workload (expert_replay)": based(EXPERT, "workload"),
    "workload.trace": expert("workload.trace", **{"workload.trace": {"path": "x.csv"}}),
    "workload.generator (expert_replay)": based(EXPERT, "workload.generator"),
    "workload.training": based(TRAIN, "workload.training"),
    "workload.training.optimizer": based(TRAIN, "workload.training.optimizer"),
    "workload.training.evict_safe": based(TRAIN, "workload.training.evict_safe",
                                          **{"workload.training.evict_safe": {"activations": "keep"}}),
    "workload.training.routing": based(TRAIN, "workload.training.routing"),
    "workload.training.cpu": based(TRAIN, "workload.training.cpu", **{"workload.training.cpu": {"flops": 1e12}}),
    "workload.warm_tier": based(WARM, "workload.warm_tier"),
    "workload.warm_tier.promotion": based(WARM, "workload.warm_tier.promotion"),
    "workload.warm_tier.versions": based(WARM, "workload.warm_tier.versions"),
    "workload.warm_tier.integrity": based(WARM, "workload.warm_tier.integrity"),
    "workload (kv_cache)": based(KV, "workload"),
    "workload (kv_store)": based(STORE, "workload"),
    "workload.movement": based(STORE, "workload.movement"),
    "workload.generator (kv_cache)": based(KV, "workload.generator"),
    "workload.namespaces": based(KV, "workload.namespaces", **{"workload.namespaces": {"scope": "global"}}),
    "workload.index": based(KV, "workload.index", **{"workload.index": {"architecture": "pooled"}}),
    "workload.discovery": based(KV, "workload.discovery", **{"workload.discovery": {"mode": "always"}}),
    "workload.generator.arrival": based(KV, "workload.generator.arrival"),
    "workload.generator.input_tokens": based(KV, "workload.generator.input_tokens"),
    "workload.generator.system_prompts": based(KV, "workload.generator.system_prompts"),
    "workload.generator.sessions": based(KV, "workload.generator.sessions"),
    "workload.model": based(KV, "workload.model", **{"workload.model": {"preset": "llama3_8b"}}),
    "workload.prefill": based(KV, "workload.prefill"),
    "workload.gpu": based(KV, "workload.gpu", **{"workload.gpu": {"preset": "h100_sxm"}}),
    "workload.write": based(KV, "workload.write"),
    "workload.cost": based(KV, "workload.cost"),
    "workload.workers": based(POOLED, "workload.workers"),
    "workload.decode": based(POOLED, "workload.decode"),
    "workload.decode.step": based(POOLED, "workload.decode.step"),
    "workload.decode.handover": based(POOLED, "workload.decode.handover"),
}


def allowed_keys(stderr):
    m = re.search(r'unknown key "' + UNKNOWN + r'"; expected one of: ([^\n]+)', stderr)
    assert m, stderr
    return [k.strip() for k in m.group(1).split(",")]


class ConfigReference(unittest.TestCase):
    def setUp(self):
        self.sections = documented()

    def check(self, section, stderr):
        self.assertIn(section, self.sections, f"docs/config-reference.md has no section ### `{section}`")
        self.assertEqual(sorted(self.sections[section]), sorted(allowed_keys(stderr)), section)

    def test_every_config_section_lists_exactly_the_accepted_keys(self):
        with temp_dir() as tmp:
            for section, make in PROBES.items():
                path = os.path.join(tmp, "probe.json")
                with open(path, "w") as f:
                    json.dump(make(), f)
                p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
                self.assertEqual(p.returncode, 2, (section, p.stderr))
                self.check(section, p.stderr)

    def test_every_policy_and_prefetcher_lists_exactly_its_parameters(self):
        listed = run("list").stdout
        policies = re.findall(r"^  (\S+) ", listed.split("eviction policies:")[1].split("\n\n")[0].split("prefetchers")[0], re.M)
        prefetchers = [n for n in re.findall(r"^  (\S+) ", listed.split("prefetchers")[1].split("trace samplers")[0], re.M) if n != "none"]
        self.assertIn("lru", policies)
        self.assertIn("history", prefetchers)
        with temp_dir() as tmp:
            for kind, names in (("policy", policies), ("prefetcher", prefetchers)):
                for name in names:
                    config = read_config(EXPERT)
                    if kind == "policy":
                        config["tiers"][0]["policy"] = {"name": name, UNKNOWN: 1}
                    else:
                        config["workload"]["prefetch"] = {"name": name, UNKNOWN: 1}
                    path = os.path.join(tmp, "probe.json")
                    with open(path, "w") as f:
                        json.dump(config, f)
                    p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
                    self.assertEqual(p.returncode, 2, (name, p.stderr))
                    self.check(f"{kind} {name}", p.stderr)

    def test_the_sweep_file_and_hardware_profile_sections(self):
        with temp_dir() as tmp:
            sweep = os.path.join(tmp, "s.json")
            with open(sweep, "w") as f:
                json.dump({"base": EXPERT, "grid": {"seed": [1]}, UNKNOWN: 1}, f)
            p = run("sweep", sweep, "--dry-run", check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            m = re.search(UNKNOWN + r": unknown key; expected one of: ([^\n]+)", p.stderr)
            self.assertTrue(m, p.stderr)
            self.assertEqual(sorted(self.sections["sweep file"]), sorted(k.strip() for k in m.group(1).split(",")))
            profile = os.path.join(tmp, "p.json")
            with open(os.path.join(ROOT, "configs", "hardware", "h100_pcie5_gen4nvme.json")) as f:
                document = json.load(f)
            document[UNKNOWN] = 1
            with open(profile, "w") as f:
                json.dump(document, f)
            config = read_config(EXPERT)
            config["hardware"] = profile
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(config, f)
            p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.check("hardware profile", p.stderr)
            del document[UNKNOWN]
            next(iter(document["links"].values()))[UNKNOWN] = 1
            with open(profile, "w") as f:
                json.dump(document, f)
            p = run("run", path, "--out", os.path.join(tmp, "out"), check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.check("hardware profile: links.<model>", p.stderr)


if __name__ == "__main__":
    unittest.main()
