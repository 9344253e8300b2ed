"""An independent model of the MoE prototype's tiered expert cache, written from the semantics in
the tiersim docs (docs/model.md, "Parity with the MoE prototype's bench_cache") with Python's OrderedDict. It shares no code
with tiersim; the end-to-end tests compare tiersim's counters with it access by access.

GPU: gpu_slots objects, LRU. DRAM: cpu_cache objects, LRU. Disk holds everything.
An object is (layer, expert); accesses are processed in trace order.
"""
from collections import OrderedDict


class StepTooLarge(Exception):
    pass


def read_csv_trace(path):
    """Returns [(step, layer, expert), ...] from a tiersim CSV trace."""
    rows = []
    with open(path) as f:
        header = f.readline().strip()
        assert header == "step,layer,expert", header
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            s, l, e = line.split(",")
            rows.append((int(s), int(l), int(e)))
    return rows


def simulate(accesses, gpu_slots, cpu_cache, training):
    gpu = OrderedDict()  # key -> dirty; first item is least recently used
    cpu = OrderedDict()
    c = dict(gpu_cache_hit=0, gpu_cache_miss=0, cpu_cache_hit=0, cpu_cache_miss=0,
             disk_read_ops=0, disk_write_ops=0, h2d_load=0, d2h_writeback=0)

    def make_room_in_cpu():
        if len(cpu) >= cpu_cache:
            _, dirty = cpu.popitem(last=False)
            if dirty:
                c["disk_write_ops"] += 1

    def write_back_to_cpu(key):
        # Put into DRAM as MRU, updating the copy there or inserting it (which may evict).
        if key in cpu:
            cpu.move_to_end(key)
        else:
            make_room_in_cpu()
        cpu[key] = True

    steps = []
    for step, layer, expert in accesses:
        if not steps or steps[-1][0] != step:
            steps.append((step, []))
        steps[-1][1].append((layer, expert))

    for step, keys in steps:
        used = set()
        for key in keys:
            if key in gpu:
                c["gpu_cache_hit"] += 1
                gpu.move_to_end(key)
                used.add(key)
                continue
            c["gpu_cache_miss"] += 1
            if len(gpu) >= gpu_slots:
                victim = next((k for k in gpu if k not in used), None)
                if victim is None:
                    raise StepTooLarge(step)
                dirty = gpu.pop(victim)
                if dirty:
                    c["d2h_writeback"] += 1
                    write_back_to_cpu(victim)
            if key in cpu:
                c["cpu_cache_hit"] += 1
                cpu.move_to_end(key)
            else:
                c["cpu_cache_miss"] += 1
                c["disk_read_ops"] += 1
                make_room_in_cpu()
                cpu[key] = False
            c["h2d_load"] += 1
            gpu[key] = False
            used.add(key)
        if training:
            for key in used:
                gpu[key] = True

    dirty_gpu = {k for k, d in gpu.items() if d}
    dirty_cpu = {k for k, d in cpu.items() if d}
    c["dirty_gpu_at_end"] = len(dirty_gpu)
    c["dirty_cpu_at_end"] = len(dirty_cpu)
    c["flush_d2h_writeback"] = len(dirty_gpu)
    c["flush_disk_write_ops"] = len(dirty_gpu | dirty_cpu)
    return c


def lru_misses(objects, capacity):
    """Misses of one LRU cache of `capacity` objects over a sequence of object ids."""
    cache = OrderedDict()
    misses = 0
    for o in objects:
        if o in cache:
            cache.move_to_end(o)
            continue
        misses += 1
        if len(cache) >= capacity:
            cache.popitem(last=False)
        cache[o] = True
    return misses
