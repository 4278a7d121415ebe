"""Shared by the Python read benchmark: timed loops, thread pinning and result rows.

A subject is a Lookup: a function returning the value or None (see below). Two loops (BENCHMARKING.md):
  indep  each key is the next in a shuffled list: throughput (ops/s)
  chain  the next key's position depends on the previous result: latency (ns/op)
The loops run in chunks so a run stops after about `min_time` seconds whatever the
subject's speed (a Redis GET is ~1000x slower than a local read)."""

from __future__ import annotations

import os
import statistics
import threading
import time
from typing import Any, Callable, Optional, Tuple

CHUNK = 2048  # lookups between two clock reads
# (function, collection): called as function(collection, key), or function(key) for None.
Lookup = Tuple[Callable[..., Any], Optional[str]]


# Two shapes, so no subject pays for a wrapper: f(key) (dict.get, redis GET) and
# f(collection, key) (hotstate's get/view). The result is built and dropped: CPython
# cannot elide the call.
def _indep(f: Callable[..., Any], coll: Optional[str], keys: list[str]) -> None:
    if coll is None:
        for k in keys:
            f(k)
    else:
        for k in keys:
            f(coll, k)


def _chain(f: Callable[..., Any], coll: Optional[str], keys: list[str]) -> None:
    pos, n, zero = 0, len(keys), 0
    if coll is None:
        for _ in range(n):
            v = f(keys[pos])
            pos += 1 + ((v is None) & zero)  # the next key waits for this result
    else:
        for _ in range(n):
            v = f(coll, keys[pos])
            pos += 1 + ((v is None) & zero)


def run_loop(lookup: Lookup, keys: list[str], start: int, chain: bool, min_time: float) -> tuple[int, float]:
    """Lookups from `start` onward (wrapping), chunk by chunk, for about min_time seconds.
    Returns (lookups, seconds)."""
    loop = _chain if chain else _indep
    n = len(keys)
    ops, elapsed, pos = 0, 0.0, start
    while elapsed < min_time:
        chunk = keys[pos : pos + CHUNK] if pos + CHUNK <= n else keys[pos:] + keys[: pos + CHUNK - n]
        t0 = time.perf_counter()
        loop(lookup[0], lookup[1], chunk)
        elapsed += time.perf_counter() - t0
        ops += len(chunk)
        pos = (pos + CHUNK) % n
    return ops, elapsed


def pin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})  # 0: the calling thread (Linux)


def measure(
    make_lookup: Callable[[], Lookup], keys: list[str], threads: int, chain: bool, min_time: float, cpu1t: int
) -> tuple[float, float]:
    """One run: (ns per lookup per thread, total lookups/s). With 2 threads each makes its
    own lookup (e.g. its own Redis connection) and pins itself to CPU 0 or 1."""
    if threads == 1:
        pin(cpu1t)
        ops, secs = run_loop(make_lookup(), keys, 0, chain, min_time)
        return secs / ops * 1e9, ops / secs
    results: list[Optional[tuple[int, float]]] = [None] * threads
    barrier = threading.Barrier(threads)

    def worker(index: int) -> None:
        pin(index)
        lookup = make_lookup()
        barrier.wait(timeout=60)
        results[index] = run_loop(lookup, keys, index * len(keys) // threads, chain, min_time)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=600)
    done = [r for r in results if r is not None]
    if len(done) != threads:
        raise RuntimeError("a benchmark thread did not finish")
    total_ops = sum(ops for ops, _ in done)
    per_thread_ns = statistics.mean(secs / ops * 1e9 for ops, secs in done)
    # Each thread's clock runs while it waits for the GIL too: its time is the loop's wall.
    return per_thread_ns, total_ops / max(secs for _, secs in done)


def row(case: str, subject: str, system: str, language: str, unit: str, values: list[float], notes: str) -> dict[str, Any]:
    return {
        "case": case,
        "subject": subject,
        "system": system,
        "language": language,
        "unit": unit,
        "value": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
        "notes": notes,
    }
