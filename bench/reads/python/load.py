"""Loads the data sets into an empty hotstated (one POST /v1/import: an import needs an empty
server, so every collection goes in one body) and into Redis (one database per set,
MSET in pipelined batches).

    load.py --url http://127.0.0.1:P --redis-port R SET... where SET is collection:records:db
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request

import redis

from dataset import hit_key, value_json

BATCH = 1000  # keys per MSET


def export_body(sets: list[tuple[str, int, int]]) -> bytes:
    total = sum(n for _, n, _ in sets)
    header = {"format": "hotstate-export", "version": 1, "epoch": "0000000000000001", "revision": 1, "records": total}
    lines = [json.dumps(header)]
    for collection, n, _ in sets:
        prefix = '{"collection":%s,"key":"' % json.dumps(collection)
        suffix = '","create_revision":1,"mod_revision":1,"version":1,"value":'
        lines.extend(prefix + hit_key(i) + suffix + value_json(i) + "}" for i in range(n))
    return ("\n".join(lines) + "\n").encode()


def load_hotstate(url: str, sets: list[tuple[str, int, int]]) -> None:
    request = urllib.request.Request(url + "/v1/import", data=export_body(sets), method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    if answer["records"] != sum(n for _, n, _ in sets):
        raise SystemExit(f"import answered {answer}")


def load_redis(port: int, sets: list[tuple[str, int, int]]) -> None:
    for _, n, db in sets:
        r = redis.Redis(host="127.0.0.1", port=port, db=db, socket_timeout=60)
        r.flushdb()
        pipe = r.pipeline(transaction=False)
        for start in range(0, n, BATCH):
            pipe.mset({hit_key(i): value_json(i) for i in range(start, min(n, start + BATCH))})
            if len(pipe) >= 100:
                pipe.execute()
        pipe.execute()
        if r.dbsize() != n:
            raise SystemExit(f"redis db {db} holds {r.dbsize()} keys, expected {n}")
        r.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("sets", nargs="+", help="collection:records:redis_db")
    args = parser.parse_args()
    sets = [(c, int(n), int(db)) for c, n, db in (s.split(":") for s in args.sets)]
    t0 = time.monotonic()
    load_hotstate(args.url, sets)
    t1 = time.monotonic()
    load_redis(args.redis_port, sets)
    t2 = time.monotonic()
    print(f"loaded {sets}: hotstated {t1 - t0:.1f} s, redis {t2 - t1:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
