"""An independent model of the `kv_store` workload's decisions, written from the store's
documentation (docs/kv_store.md) with plain Python dicts. It shares no code with tiersim; the
end-to-end tests compare its counts with tiersim's on random API traces.

Two tiers: DRAM (tier 1) holds `capacity` blocks (every block the same size), NVMe (tier 2)
holds everything written to it. Eviction from DRAM takes the lowest priority first and, within
a priority, the least recently used ("lru": a use is an insert or a load's hit) or the first
inserted ("fifo"). A DRAM victim that NVMe does not hold is written there (an evict message).
Calls, at time t:
  load: blocks in order; in DRAM: a hit; else in NVMe: a refill (copied into DRAM); else
        the load stops (the rest are missed).
  store: each block's tags first (priority, ttl_s); a block DRAM does not hold is inserted.
  query: counts the held prefix; nothing changes.
  delete: the block leaves both tiers and loses its tags.
  set_priority / set_ttl: retag held blocks; others are ignored.
  evict_policy: DRAM's policy is switched; the residents keep their order.
A priority change re-enters the block in its new priority as if inserted now. An entry with a
TTL leaves both tiers at t + ttl_s (a call at that second no longer finds it).
"""
import json


class StoreModel:
    def __init__(self, capacity, policy="lru"):
        self.capacity = capacity
        self.policy = policy
        self.dram = {}  # key -> [priority, order stamp]
        self.nvme = set()
        self.priority = {}  # key -> priority (tags of held entries)
        self.expiry = {}  # key -> microseconds
        self.tick = 0
        self.c = {k: 0 for k in ("load_missed_blocks", "dram_load_hits", "nvme_load_hits", "refill_messages", "evict_messages",
                                 "expired_blocks", "deleted_blocks", "delete_absent_blocks", "retagged_blocks",
                                 "retag_absent_blocks", "stored_blocks", "store_present_blocks", "query_held_blocks")}

    def stamp(self):
        self.tick += 1
        return self.tick

    def held(self, key):
        return key in self.dram or key in self.nvme

    def forget(self, key):
        self.dram.pop(key, None)
        self.nvme.discard(key)
        self.priority.pop(key, None)
        self.expiry.pop(key, None)

    def insert(self, key):
        if len(self.dram) >= self.capacity:
            victim = min(self.dram, key=lambda k: (self.dram[k][0], self.dram[k][1]))
            del self.dram[victim]
            if victim not in self.nvme:
                self.nvme.add(victim)
                self.c["evict_messages"] += 1
        self.dram[key] = [self.priority.get(key, 0), self.stamp()]

    def tag(self, key, call, t_us):
        if "ttl_s" in call:
            self.expiry[key] = t_us + call["ttl_s"] * 1e6
        if "priority" in call:
            if self.priority.get(key, 0) != call["priority"] and key in self.dram:
                self.dram[key] = [call["priority"], self.stamp()]
            self.priority[key] = call["priority"]

    def expire(self, t_us):
        for key in [k for k, e in self.expiry.items() if e <= t_us]:
            if self.held(key):
                self.c["expired_blocks"] += 1
            self.forget(key)

    def call(self, call):
        t_us = round(call["t"] * 1e6)
        self.expire(t_us)
        op = call["op"]
        blocks = call.get("hash_ids", [])
        keys = [(call.get("instance", ""), b) for b in blocks] if self.scoped else list(blocks)
        if op == "load":
            for i, key in enumerate(keys):
                if key in self.dram:
                    self.c["dram_load_hits"] += 1
                    if self.policy == "lru":
                        self.dram[key][1] = self.stamp()
                elif key in self.nvme:
                    self.c["nvme_load_hits"] += 1
                    self.c["refill_messages"] += 1
                    self.insert(key)
                else:
                    self.c["load_missed_blocks"] += len(keys) - i
                    break
        elif op == "store":
            for key in keys:
                self.tag(key, call, t_us)
                if key in self.dram:
                    self.c["store_present_blocks"] += 1
                else:
                    self.insert(key)
                    self.c["stored_blocks"] += 1
        elif op == "query":
            for key in keys:
                if not self.held(key):
                    break
                self.c["query_held_blocks"] += 1
        elif op == "delete":
            for key in keys:
                if self.held(key):
                    self.forget(key)
                    self.c["deleted_blocks"] += 1
                else:
                    self.c["delete_absent_blocks"] += 1
        elif op in ("set_priority", "set_ttl"):
            for key in keys:
                if self.held(key):
                    self.tag(key, call, t_us)
                    self.c["retagged_blocks"] += 1
                else:
                    self.c["retag_absent_blocks"] += 1
        elif op == "evict_policy":
            self.policy = call["policy"]

    def counts(self):
        out = dict(self.c)
        out["dram_objects_end"] = len(self.dram)
        out["nvme_objects_end"] = len(self.nvme)
        return out


def replay(path, capacity, policy="lru", scoped=False):
    """scoped: entries are seen only by calls of the same instance (namespaces scoped by instance)."""
    model = StoreModel(capacity, policy)
    model.scoped = scoped
    with open(path) as f:
        for line in f:
            if line.strip():
                model.call(json.loads(line))
    return model.counts()
