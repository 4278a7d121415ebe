"""Turns the raw outputs of bench/scripts/reads_bench.sh into OUT_DIR/reads.json and prints
readable tables with ratios against the peers of the same run.

    report.py RAW_DIR OUT_JSON MODE PLACEMENT

RAW_DIR holds: cpp-LABEL.json (Google Benchmark JSON, one entry per repetition),
python-LABEL.json and node-LABEL-Nt.json (lists of rows), sync-LANG-SYSTEM-LABEL-RUN.json
(one JSON object each, from hs_sync_bench / sync.py)."""

from __future__ import annotations

import glob
import json
import os
import re
import statistics
import sys
from collections import defaultdict
from typing import Any

from timing import row

# Google Benchmark name prefix -> (subject, system, language)
CPP_SUBJECTS = {
    "cpp_get": ("hotstate C++ Client::get", "hotstate", "C++"),
    "readtxn_get": ("hotstate C++ ReadTxn::get", "hotstate", "C++"),
    "hs_get": ("hotstate C hs_get + hs_record_free", "hotstate", "C"),
    "hiredis_get": ("hiredis GET (loopback)", "redis", "C"),
    "unordered_map": ("std::unordered_map::find", "baseline", "C++"),
    "absl_flat_hash_map": ("absl::flat_hash_map::find", "baseline", "C++"),
}
LANGS = {"cpp": "C++", "python": "Python"}
GB_NAME = re.compile(r"^(\w+)/(hit|miss|hot)/(indep|chain)/real_time/threads:(\d+)$")


def cpp_rows(path: str, label: str) -> list[dict[str, Any]]:
    with open(path) as f:
        data = json.load(f)
    runs: dict[tuple[str, str, str, int], list[float]] = defaultdict(list)
    for b in data["benchmarks"]:
        m = GB_NAME.match(b.get("run_name", b["name"]))
        if b.get("run_type") != "iteration" or not m:
            continue
        runs[(m[1], m[2], m[3], int(m[4]))].append(float(b["items_per_second"]))
    rows = []
    for (subject_id, hit, loop, threads), ips in runs.items():
        subject, system, language = CPP_SUBJECTS[subject_id]
        case = f"read.{label}.{hit}.{threads}t.{loop}.native"
        where = "reader on cpu1" if threads == 1 else "reader threads pinned to cpu0 and cpu1 (servers on cpu0)"
        keyset = "1,000 hot keys cycled" if hit == "hot" else "random keys over the whole set"
        notes = f"{keyset}, {where}; Google Benchmark; the sink reads the value's last byte"
        if loop == "chain":  # latency per lookup of one thread
            rows.append(row(case, subject, system, language, "ns/op", [threads * 1e9 / x for x in ips], notes))
        else:
            rows.append(row(case, subject, system, language, "ops/s", ips, notes))
    return rows


def sync_rows(raw: str) -> list[dict[str, Any]]:
    results: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for path in glob.glob(os.path.join(raw, "sync-*.json")):
        lang, system, label, _run = os.path.basename(path)[5:-5].split("-")
        with open(path) as f:
            results[(lang, system, label)].append(json.load(f))
    rows = []
    subjects = {
        ("cpp", "hotstate"): "hotstate C++ Client until LIVE",
        ("cpp", "redis"): "hiredis SCAN + pipelined MGET into std::unordered_map",
        ("python", "hotstate"): "hotstate Python Client until LIVE",
        ("python", "redis"): "redis-py SCAN + pipelined MGET into dict",
    }
    for (lang, system, label), rs in sorted(results.items()):
        language, subject = LANGS[lang], subjects[(lang, system)]
        kind = "baseline" if system == "redis" else "hotstate"
        sync_system = "redis" if system == "redis" else "hotstate"
        notes = f"{rs[0]['keys']} records; client on cpu1, servers on cpu0; one fresh process per run"
        rows.append(row(f"sync.{label}.{lang}", subject, sync_system, language, "s", [r["seconds"] for r in rs], notes))
        held = "the replica" if system == "hotstate" else ("the dict (key -> bytes)" if lang == "python" else "the map (key -> JSON string)")
        mem_subject = f"{language} {held}: RSS delta"
        rows.append(row(f"memory.{label}.{lang}", mem_subject, kind, language, "bytes/record",
                        [r["bytes_per_record"] for r in rs], notes + "; malloc_trim / gc before reading RSS"))
        if system == "hotstate":
            rows.append(row(f"memory.{label}.{lang}", f"{language} replica: status().bytes (value bytes only)", "hotstate",
                            language, "bytes/record", [r["client_bytes"] / r["keys"] for r in rs], notes))
    return rows


def ratio(value: float, ref: float, unit: str) -> float:
    """How many times better `value` is than `ref` (>1: better)."""
    return value / ref if unit == "ops/s" else ref / value


def fmt(v: float) -> str:
    return f"{v:14,.0f}" if abs(v) >= 100 else f"{v:14.3f}"


def print_tables(rows: list[dict[str, Any]]) -> None:
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_case[r["case"]].append(r)
    for case in sorted(by_case):
        rs = by_case[case]
        redis = next((r for r in rs if r["system"] == "redis"), None)
        base = next((r for r in rs if r["system"] == "baseline"), None)
        print(f"\n{case}")
        print(f"  {'subject':58} {'median':>14} {'min':>14} {'max':>14} {'unit':12} {'x redis':>9} {'x base':>8}")
        for r in rs:
            vs_redis = f"{ratio(r['value'], redis['value'], r['unit']):9.1f}" if redis and redis["unit"] == r["unit"] and r["unit"] != "bytes/record" else f"{'':9}"
            vs_base = f"{ratio(r['value'], base['value'], r['unit']):8.2f}" if base and base["unit"] == r["unit"] else f"{'':8}"
            print(f"  {r['subject'][:58]:58} {fmt(r['value'])} {fmt(r['min'])} {fmt(r['max'])} {r['unit']:12} {vs_redis} {vs_base}")


def find(rows: list[dict[str, Any]], case: str, subject_start: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["case"] == case and r["subject"].startswith(subject_start)), None)


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The read targets (bench/RESULTS.md, "Targets"), checked against the medians (latency = 1 thread, dependent chain, hot set:
    what a flag check does; the cold whole-set case is in the tables)."""
    out = []

    def check(name: str, r: dict[str, Any] | None, limit: float, smaller_is_better: bool = True) -> None:
        if r is None:
            out.append({"target": name, "value": None, "met": None})
            return
        met = r["value"] <= limit if smaller_is_better else r["value"] >= limit
        out.append({"target": name, "value": r["value"], "unit": r["unit"], "met": met})

    check("C++ Client::get <= 50 ns at 1M (hot set, dependent chain)", find(rows, "read.1m.hot.1t.chain.native", "hotstate C++ Client::get"), 50)
    check("Python get <= 1 us (1M, hot set, chain)", find(rows, "read.1m.hot.1t.chain.python", "hotstate Python client.get"), 1000)
    check("Python view <= 300 ns (1M, hot set, chain)", find(rows, "read.1m.hot.1t.chain.python", "hotstate Python client.view"), 300)
    check("Node get <= 1 us (1M, hot set, chain)", find(rows, "read.1m.hot.1t.chain.node", "hotstate Node client.get"), 1000)
    for lang, subject in (("native", "hotstate C++ Client::get"), ("native", "hotstate C hs_get"),
                          ("python", "hotstate Python client.get"), ("node", "hotstate Node client.get")):
        case = f"read.1m.hit.1t.chain.{lang}"
        mine, redis = find(rows, case, subject), next((r for r in rows if r["case"] == case and r["system"] == "redis"), None)
        speedup = None if not (mine and redis) else {"value": redis["value"] / mine["value"], "unit": "x"}
        check(f"{subject} >= 1000x faster than a Redis GET ({case})", speedup, 1000, smaller_is_better=False)  # type: ignore[arg-type]
    check("1M initial sync <= 1 s (C++)", find(rows, "sync.1m.cpp", "hotstate"), 1.0)
    check("1M initial sync <= 1 s (Python)", find(rows, "sync.1m.python", "hotstate"), 1.0)
    return out


def main() -> None:
    raw, out_json, mode, placement = sys.argv[1:5]
    rows: list[dict[str, Any]] = []
    for path in sorted(glob.glob(os.path.join(raw, "cpp-*.json"))):
        rows += cpp_rows(path, os.path.basename(path)[4:-5])
    for path in sorted(glob.glob(os.path.join(raw, "python-*.json")) + glob.glob(os.path.join(raw, "node-*.json"))):
        with open(path) as f:
            rows += json.load(f)
    rows += sync_rows(raw)
    checked = targets(rows)
    with open(out_json, "w") as f:
        json.dump({"benchmark": "reads", "mode": mode, "placement": placement, "rows": rows, "targets": checked}, f, indent=1)
    print_tables(rows)
    print("\ntargets (medians):")
    for t in checked:
        verdict = "n/a" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        value = "-" if t["value"] is None else f"{t['value']:.3g} {t['unit']}"
        print(f"  {verdict:7} {t['target']:75} {value}")
    print(f"\nwrote {out_json} ({len(rows)} rows); medians of {statistics.median([r['runs'] for r in rows]) if rows else 0:.0f} runs")


if __name__ == "__main__":
    main()
