"""An independent model of `tiersim train`'s expert traffic, written from docs/training.md with
Python's OrderedDict: the MoE prototype's tiered cache (as tests/reference/bench_cache_model.py,
whose CSV reader it shares but not its model) extended with evict-safe backward and optimizer state. It shares no
code with tiersim; the end-to-end tests compare counters with it.

GPU: gpu_slots objects, LRU. DRAM: cpu_cache objects, LRU. Disk holds everything.
A step's forward uses its experts in trace order. Without evict_safe every expert of the step
stays on the GPU until the step ends (eviction spares those the step has used), and the
backward touches nothing. With evict_safe eviction spares only the expert in use, and the
backward runs over the forward's uses in reverse: one still on the GPU costs nothing, one
evicted since is reloaded (a GPU miss, fetched like any). The optimizer with the expert
(placement hbm) makes every used expert dirty on the GPU (at the end of the step, or at its
backward under evict_safe); offloaded (dram, nvme) it leaves the GPU copy clean and moves, per
use, the gradients down and the weights up (plus, on nvme with state, the state read from disk
and written back).
"""
from collections import OrderedDict

from bench_cache_model import read_csv_trace  # noqa: F401 (the same CSV reader; its model is not used)


class StepTooLarge(Exception):
    pass


def group_steps(accesses):
    steps = []
    for step, layer, expert in accesses:
        if not steps or steps[-1][0] != step:
            steps.append((step, []))
        steps[-1][1].append((layer, expert))
    return [keys for _, keys in steps]


def simulate(accesses, gpu_slots, cpu_cache, evict_safe=False, placement="hbm", state=False):
    gpu = OrderedDict()  # key -> dirty; first item least recently used
    cpu = OrderedDict()
    c = dict(gpu_cache_hit=0, gpu_cache_miss=0, cpu_cache_hit=0, cpu_cache_miss=0, disk_read_ops=0,
             disk_write_ops=0, h2d_load=0, d2h_writeback=0, reloads=0)
    updates_on_gpu = placement == "hbm"

    def room_in_cpu():
        if len(cpu) >= cpu_cache:
            _, dirty = cpu.popitem(last=False)
            if dirty:
                c["disk_write_ops"] += 1

    def write_back(key):
        if key in cpu:
            cpu.move_to_end(key)
        else:
            room_in_cpu()
        cpu[key] = True

    def fetch(key, spared):
        c["gpu_cache_miss"] += 1
        if len(gpu) >= gpu_slots:
            victim = next((k for k in gpu if k not in spared), None)
            if victim is None:
                raise StepTooLarge()
            if gpu.pop(victim):
                c["d2h_writeback"] += 1
                write_back(victim)
        if key in cpu:
            c["cpu_cache_hit"] += 1
            cpu.move_to_end(key)
        else:
            c["cpu_cache_miss"] += 1
            c["disk_read_ops"] += 1
            room_in_cpu()
            cpu[key] = False
        c["h2d_load"] += 1
        gpu[key] = False

    for keys in group_steps(accesses):
        used = set()
        for key in keys:
            spared = {key} if evict_safe else used
            if key in gpu:
                c["gpu_cache_hit"] += 1
                gpu.move_to_end(key)
            else:
                fetch(key, spared)
            used.add(key)
        if evict_safe:
            for key in reversed(keys):
                if key not in gpu:
                    c["reloads"] += 1
                    fetch(key, {key})
                if updates_on_gpu:
                    gpu[key] = True  # assigning an existing key keeps its LRU position
        elif updates_on_gpu:
            for key in used:
                gpu[key] = True
        if not updates_on_gpu:
            c["d2h_writeback"] += len(keys)  # gradients down
            c["h2d_load"] += len(keys)       # new weights up
            if placement == "nvme" and state:
                c["disk_read_ops"] += len(keys)
                c["disk_write_ops"] += len(keys)

    dirty_gpu = {k for k, d in gpu.items() if d}
    dirty_cpu = {k for k, d in cpu.items() if d}
    c["dirty_gpu_at_end"] = len(dirty_gpu)
    c["dirty_cpu_at_end"] = len(dirty_cpu)
    c["flush_d2h_writeback"] = len(dirty_gpu)
    c["flush_disk_write_ops"] = len(dirty_gpu | dirty_cpu)
    return c
