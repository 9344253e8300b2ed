"""Independent reference models of tiersim's eviction policies (object-count capacity),
written from the published algorithms and the variants documented in each policy's file,
with plain Python containers. Used by tests/e2e/test_policies.py to check miss counts.

Each function takes a list of object ids and a capacity and returns the number of misses.
"""
from collections import OrderedDict
import heapq
import math


def lru(trace, c):
    cache, misses = OrderedDict(), 0
    for x in trace:
        if x in cache:
            cache.move_to_end(x)
            continue
        misses += 1
        if len(cache) >= c:
            cache.popitem(last=False)
        cache[x] = True
    return misses


def fifo(trace, c):
    cache, misses = OrderedDict(), 0
    for x in trace:
        if x in cache:
            continue
        misses += 1
        if len(cache) >= c:
            cache.popitem(last=False)
        cache[x] = True
    return misses


def clock(trace, c, bits=1):
    """Oldest first in `queue`; a referenced object goes back to the newest end."""
    top = (1 << bits) - 1
    queue, count, misses = OrderedDict(), {}, 0
    for x in trace:
        if x in queue:
            count[x] = min(count[x] + 1, top)
            continue
        misses += 1
        if len(queue) >= c:
            while True:
                oldest = next(iter(queue))
                if count[oldest] == 0:
                    del queue[oldest]
                    del count[oldest]
                    break
                count[oldest] -= 1
                queue.move_to_end(oldest)
        queue[x] = True
        count[x] = 0
    return misses


def arc(trace, c):
    """Megiddo & Modha's ARC with a real-valued p (the paper's, and libCacheSim's) and
    libCacheSim's case order."""
    t1, t2, b1, b2 = OrderedDict(), OrderedDict(), OrderedDict(), OrderedDict()  # LRU first
    p, misses = 0, 0

    def replace(from_b2):
        if t1 and (len(t1) > p or (len(t1) == p and from_b2)):
            k, _ = t1.popitem(last=False)
            b1[k] = True
        else:
            k, _ = t2.popitem(last=False)
            b2[k] = True

    for x in trace:
        if x in t1:
            del t1[x]
            t2[x] = True
            continue
        if x in t2:
            t2.move_to_end(x)
            continue
        misses += 1
        if x in b1:
            p = min(p + max(len(b2) / len(b1), 1.0), c)
            if len(t1) + len(t2) >= c:
                replace(False)
            del b1[x]
            t2[x] = True
            continue
        if x in b2:
            p = max(p - max(len(b1) / len(b2), 1.0), 0.0)
            if len(t1) + len(t2) >= c:
                replace(True)
            del b2[x]
            t2[x] = True
            continue
        if len(t1) + len(t2) >= c:
            if len(t1) + len(b1) + 1 > c:
                if len(t1) < c:
                    b1.popitem(last=False)
                    replace(False)
                else:
                    t1.popitem(last=False)
            else:
                if len(t1) + len(t2) + len(b1) + len(b2) >= 2 * c:
                    b2.popitem(last=False)
                replace(False)
        t1[x] = True
    return misses


def belady(trace, c):
    n = len(trace)
    nxt, last = [n + 10**9] * n, {}
    for i, x in enumerate(trace):
        if x in last:
            nxt[last[x]] = i
        last[x] = i
    resident, heap, misses = {}, [], 0  # resident: obj -> its next access; heap of (-next, obj)
    for i, x in enumerate(trace):
        if x in resident:
            resident[x] = nxt[i]
            heapq.heappush(heap, (-nxt[i], x))
            continue
        misses += 1
        if len(resident) >= c:
            while True:
                neg, k = heapq.heappop(heap)
                if k in resident and resident[k] == -neg:
                    del resident[k]
                    break
        resident[x] = nxt[i]
        heapq.heappush(heap, (-nxt[i], x))
    return misses


def two_q(trace, c, in_ratio=0.25, out_ratio=0.5):
    k_in, k_out = math.floor(c * in_ratio), math.floor(c * out_ratio)
    a1in, am, a1out, misses = OrderedDict(), OrderedDict(), OrderedDict(), 0  # oldest first
    for x in trace:
        if x in am:
            am.move_to_end(x)
            continue
        if x in a1in:
            continue
        misses += 1
        to_am = x in a1out
        if to_am:
            del a1out[x]
        if len(a1in) + len(am) >= c:
            if len(a1in) > k_in or not am:
                k, _ = a1in.popitem(last=False)
                if k_out > 0:
                    if len(a1out) >= k_out:
                        a1out.popitem(last=False)
                    a1out[k] = True
            else:
                am.popitem(last=False)
        (am if to_am else a1in)[x] = True
    return misses


def s3fifo(trace, c, small_ratio=0.1, ghost_ratio=0.9, threshold=2):
    s_cap = max(1, math.floor(c * small_ratio))
    m_cap = c - s_cap if c > s_cap else 0
    g_cap = math.floor(c * ghost_ratio)
    small, main, ghost, freq = OrderedDict(), OrderedDict(), OrderedDict(), {}
    misses = 0

    def evict():
        while True:
            if len(main) <= m_cap and small:
                while small:
                    k = next(iter(small))
                    del small[k]
                    if freq[k] >= threshold:
                        freq[k] = 0
                        main[k] = True
                    else:
                        del freq[k]
                        if g_cap > 0:
                            if len(ghost) >= g_cap:
                                ghost.popitem(last=False)
                            ghost[k] = True
                        return
            while main:
                k = next(iter(main))
                if freq[k] >= 1:
                    freq[k] -= 1
                    main.move_to_end(k)
                else:
                    del main[k]
                    del freq[k]
                    return

    for x in trace:
        if x in small or x in main:
            freq[x] = min(freq[x] + 1, 3)
            continue
        misses += 1
        to_main = x in ghost
        if to_main:
            del ghost[x]
        if len(small) + len(main) >= c:
            evict()
        if to_main:
            main[x] = True
        else:
            small[x] = True
        freq[x] = 0
    return misses


def lfu(trace, c, decay_every=0, decay_factor=0.5):
    count, last_use, misses = {}, {}, 0
    next_decay = decay_every if decay_every else None
    for now, x in enumerate(trace):
        if next_decay is not None and now >= next_decay:
            while next_decay <= now:
                next_decay += decay_every
            for k in count:
                count[k] = max(1, math.floor(count[k] * decay_factor))
        if x in count:
            count[x] += 1
            last_use[x] = now
            continue
        misses += 1
        if len(count) >= c:
            victim = min(count, key=lambda k: (count[k], last_use[k]))
            del count[victim]
            del last_use[victim]
        count[x] = 1
        last_use[x] = now
    return misses


def ttl(trace, c, ttl_accesses, refresh_on_hit=False):
    expiry, misses = OrderedDict(), 0  # insertion (or refresh) order = expiry order
    expirations = 0
    for now, x in enumerate(trace):
        if x in expiry and now >= expiry[x]:
            del expiry[x]
            expirations += 1
        if x in expiry:
            if refresh_on_hit:
                del expiry[x]
                expiry[x] = now + ttl_accesses
            continue
        misses += 1
        if len(expiry) >= c:
            expiry.popitem(last=False)
        expiry[x] = now + ttl_accesses
    return misses


POLICIES = {
    "lru": lru,
    "fifo": fifo,
    "clock": clock,
    "arc": arc,
    "belady": belady,
    "2q": two_q,
    "s3fifo": s3fifo,
    "lfu": lfu,
}
