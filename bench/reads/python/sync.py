"""One initial sync from Python, in a fresh process so its RSS delta is what the data costs:

    sync.py --system hotstate --url URL --collection C --records N
    sync.py --system redis --redis-port R --redis-db D --records N

hotstate: a new hotstate.Client until LIVE (wait_ready). redis: what a Python service
would do instead: SCAN every key and MGET them (one pipelined round trip carries the next
SCAN step and the MGET of the previous step's keys) into a dict of key -> raw bytes.
Prints one JSON line: {"seconds", "rss_delta", "bytes_per_record", "client_bytes", "keys"}."""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from typing import Any

SCAN_COUNT = 1000


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGESIZE")


def redis_fetch(port: int, db: int) -> dict[bytes, bytes]:
    import redis

    r = redis.Redis(host="127.0.0.1", port=port, db=db, socket_timeout=60)
    out: dict[bytes, bytes] = {}
    cursor, pending = 0, []
    while True:
        pipe = r.pipeline(transaction=False)
        if pending:
            pipe.mget(pending)
        pipe.scan(cursor, count=SCAN_COUNT)
        replies = pipe.execute()
        if pending:
            out.update(zip(pending, replies[0]))
        cursor, pending = replies[-1]
        if cursor == 0:
            break
    if pending:
        out.update(zip(pending, r.mget(pending)))
    r.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--system", choices=["hotstate", "redis"], required=True)
    p.add_argument("--url")
    p.add_argument("--collection")
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--redis-port", type=int)
    p.add_argument("--redis-db", type=int)
    args = p.parse_args()
    import hotstate  # imported (and its library loaded) before the first RSS reading
    import redis  # noqa: F401  likewise

    gc.collect()
    before = rss_bytes()
    held: Any
    client_bytes = 0
    t0 = time.perf_counter()
    if args.system == "hotstate":
        held = hotstate.Client(args.url, collections=[args.collection])
        held.wait_ready(timeout=120)
        seconds = time.perf_counter() - t0
        status = held.status()
        keys, client_bytes = status.keys, status.bytes
    else:
        held = redis_fetch(args.redis_port, args.redis_db)
        seconds = time.perf_counter() - t0
        keys = len(held)
    if keys != args.records:
        raise SystemExit(f"got {keys} records, expected {args.records}")
    gc.collect()
    delta = rss_bytes() - before
    print(json.dumps({"seconds": seconds, "rss_delta": delta, "bytes_per_record": delta / args.records,
                      "client_bytes": client_bytes, "keys": keys}))
    if args.system == "hotstate":
        held.close()


if __name__ == "__main__":
    main()
