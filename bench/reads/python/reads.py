"""Local reads of a hotstate replica from Python beside what a Python service would do
instead: a Redis GET on loopback (redis-py) and a dict of its own holding the same data.

    reads.py --url URL --collection C --records N --label 1m --redis-port R --redis-db D
             --runs 3 --min-time 0.2 --cpu1t 1 --threads 1,2 > rows.json

Subjects: client.get (a fresh Python value), client.view (the record, zero-copy),
redis-py GET (bytes, the default parser), dict.get (values stored as parsed dicts, what a
service caching them would hold). Prints a JSON list of rows (see ../../scripts/reads_bench.sh)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

import hotstate
import redis

from dataset import hit_key, hot_keys, shuffled_keys, value_json
from timing import Lookup, measure, row


def main() -> None:
    p = argparse.ArgumentParser()
    for name in ("url", "collection", "label"):
        p.add_argument("--" + name, required=True)
    for name in ("records", "redis-port", "redis-db", "runs", "cpu1t"):
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--min-time", type=float, required=True)
    p.add_argument("--threads", default="1,2")
    args = p.parse_args()
    coll = args.collection

    hits, misses = shuffled_keys(args.records, True), shuffled_keys(args.records, False)
    table = {hit_key(i): json.loads(value_json(i)) for i in range(args.records)}
    client = hotstate.Client(args.url, collections=[coll])
    client.wait_ready(timeout=120)
    if client.status().keys != args.records:
        raise SystemExit("the replica does not hold every record")

    def redis_lookup() -> Lookup:  # one connection per thread
        r = redis.Redis(host="127.0.0.1", port=args.redis_port, db=args.redis_db, socket_timeout=10)
        if r.dbsize() != args.records:
            raise SystemExit("redis does not hold every record")
        return (r.get, None)

    get, view = client.get, client.view
    subjects: list[tuple[str, str, Callable[[], Lookup]]] = [
        ("hotstate Python client.get", "hotstate", lambda: (get, coll)),
        ("hotstate Python client.view", "hotstate", lambda: (view, coll)),
        ("redis-py GET (loopback)", "redis", redis_lookup),
        ("Python dict.get", "baseline", lambda: (table.get, None)),
    ]
    rows: list[dict[str, Any]] = []
    for threads in (int(t) for t in args.threads.split(",")):
        for hit, keys in (("hit", hits), ("miss", misses), ("hot", hot_keys(hits))):
            for chain in (False, True):
                case = f"read.{args.label}.{hit}.{threads}t.{'chain' if chain else 'indep'}.python"
                for subject, system, make in subjects:
                    runs = [measure(make, keys, threads, chain, args.min_time, args.cpu1t) for _ in range(args.runs)]
                    where = f"reader on cpu{args.cpu1t}" if threads == 1 else "reader threads on cpu0 and cpu1 (GIL held by reads)"
                    keyset = "1,000 hot keys cycled" if hit == "hot" else "random keys over the whole set"
                    notes = f"{args.records} records, {keyset}, {where}; time includes the Python for loop"
                    if chain:
                        rows.append(row(case, subject, system, "Python", "ns/op", [ns for ns, _ in runs], notes))
                    else:
                        rows.append(row(case, subject, system, "Python", "ops/s", [ops for _, ops in runs], notes))
                    print(f"{case:38} {subject:30} {rows[-1]['value']:>14.1f} {rows[-1]['unit']}", file=sys.stderr)
    client.close()
    json.dump(rows, sys.stdout)


if __name__ == "__main__":
    main()
