"""Writes request sequences as libCacheSim's oracleGeneral binary traces (24-byte records:
uint32 time, uint64 id, uint32 size, int64 next access index, -1 when never), so a trace
tiersim and libCacheSim both read can be made from any sequence of object ids."""
import struct


def write_oracle_general(path, ids, times=None):
    next_use = [-1] * len(ids)
    last = {}
    for i in range(len(ids) - 1, -1, -1):
        next_use[i] = last.get(ids[i], -1)
        last[ids[i]] = i
    record = struct.Struct("<IQIq")
    with open(path, "wb") as f:
        for i, obj in enumerate(ids):
            f.write(record.pack(times[i] if times else i, obj, 1, next_use[i]))


def mooncake_block_ids(requests):
    """The hash ids of Mooncake requests in request order: one lookup per block."""
    return [h for r in requests for h in r["hash_ids"]]
