"""Per-evaluation time of one flagd flag in Python: hotstate beside flagd's OpenFeature
provider in its in-process resolver mode (the flag file read into the process, no flagd
server), both through the same OpenFeature client API, plus hotstate's direct API.

    bench/flags/python/run.sh [quick|full] [PARTS_DIR]   # the way to run it (pinned, deps installed)
    python flags_bench.py --hotstated PATH | --url URL [--runs N] [--min-time S] [--out FILE]

The flag (flag_case.py): a three-clause rule, then a 50/50 fractional rollout. 1,000 users
of five attributes each, built before timing; every subject evaluates all of them in
turn, for at least --min-time seconds per run; runs are interleaved across subjects.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, Callable

import hotstate
from hotstate.openfeature import HotstateProvider
from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext

from flag_case import FLAG, KEY, users

COLLECTION = "bench-flags"
USERS = 1000
Loop = Callable[[], None]


def start_hotstated(binary: str) -> tuple[subprocess.Popen[str], str]:
    """hotstated --memory on a free loopback port, pinned to cpu0."""
    process = subprocess.Popen(
        ["taskset", "-c", "0", binary, "--memory", "--listen", "127.0.0.1:0", "--log-level", "warn"],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        process.kill()
        raise SystemExit(f"hotstated did not start: {line!r}")
    return process, "http://" + line.split()[-1]


def hotstate_client(url: str) -> hotstate.Client:
    client = hotstate.Client(url, flag_collections=[COLLECTION])
    client.wait_ready(timeout=10)
    client.wait_for_revision(client.put(COLLECTION, KEY, FLAG), timeout=10)
    return client


def flagd_provider(folder: str) -> FlagdProvider:
    path = os.path.join(folder, "flags.json")
    with open(path, "w") as f:
        json.dump({"flags": {KEY: FLAG}}, f)
    return FlagdProvider(resolver_type=ResolverType.IN_PROCESS, offline_flag_source_path=path)


def openfeature_client(provider: Any) -> Any:
    domain = uuid.uuid4().hex
    api.set_provider_and_wait(provider, domain)
    return api.get_client(domain)


# One loop per call shape, with everything in fast locals: the figure is the call itself
# plus a Python for loop (~20 ns), as a user's code would pay it.
def direct(evaluate: Callable[..., Any], contexts: list[Any]) -> Loop:
    def run(evaluate: Callable[..., Any] = evaluate, contexts: list[Any] = contexts) -> None:
        for context in contexts:
            evaluate(COLLECTION, KEY, False, context)
    return run


def details(evaluate: Callable[..., Any], contexts: list[Any]) -> Loop:
    def run(evaluate: Callable[..., Any] = evaluate, contexts: list[Any] = contexts) -> None:
        for context in contexts:
            evaluate(COLLECTION, KEY, context)
    return run


def by_flag_key(evaluate: Callable[..., Any], contexts: list[Any]) -> Loop:
    def run(evaluate: Callable[..., Any] = evaluate, contexts: list[Any] = contexts) -> None:
        for context in contexts:
            evaluate(KEY, False, context)
    return run


def ns_per_evaluation(loop: Loop, min_time: float) -> float:
    ops, elapsed = 0, 0
    while elapsed < min_time * 1e9:
        start = time.perf_counter_ns()
        loop()
        elapsed += time.perf_counter_ns() - start
        ops += USERS
    return elapsed / ops


def agreement(client: hotstate.Client, flagd: Any, people: list[dict[str, Any]], contexts: list[Any]) -> int:
    """How many users get the same value from both (the rollout must bucket alike)."""
    return sum(client.evaluate_bool(COLLECTION, KEY, False, person) == flagd.get_boolean_value(KEY, False, context)
               for person, context in zip(people, contexts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--hotstated", help="server binary to start (--memory, pinned to cpu0)")
    where.add_argument("--url", help="a running hotstated to use instead")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per subject per run")
    parser.add_argument("--mode", default="quick")
    parser.add_argument("--out", type=pathlib.Path, action="append", default=[], help="result JSON (repeatable)")
    args = parser.parse_args()

    server, url = start_hotstated(args.hotstated) if args.hotstated else (None, args.url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            rows, notes = measure(url, folder, args.runs, args.min_time)
    finally:
        api.clear_providers()
        if server:
            server.terminate()
            server.wait()
    cpus = ",".join(map(str, sorted(os.sched_getaffinity(0))))
    placement = (f"{'hotstated --memory on 127.0.0.1 pinned to cpu0' if server else 'hotstated at ' + url}; "
                 f"this process (every evaluation, both providers) on cpu{cpus} (taskset -c {cpus}); "
                 f"{os.cpu_count()} vCPUs; Python {sys.version.split()[0]}")
    part = {"benchmark": "flags.python", "mode": args.mode, "placement": placement, "notes": notes, "rows": rows}
    for out in args.out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(part, indent=1) + "\n")
    print_table(part)


def measure(url: str, folder: str, runs: int, min_time: float) -> tuple[list[dict[str, Any]], str]:
    client = hotstate_client(url)
    people = users(USERS)
    prebuilt = [hotstate.EvalContext.from_dict(p) for p in people]
    of_contexts = [EvaluationContext(p["targetingKey"], {k: v for k, v in p.items() if k != "targetingKey"})
                   for p in people]
    hotstate_provider = HotstateProvider(client=client, collection=COLLECTION)
    flagd = flagd_provider(folder)
    of_hotstate, of_flagd = openfeature_client(hotstate_provider), openfeature_client(flagd)
    same = agreement(client, of_flagd, people, of_contexts)
    on = sum(client.evaluate_bool(COLLECTION, KEY, False, p) for p in people)

    subjects: list[tuple[str, str, str, Loop]] = [
        ("flags.python.direct", "evaluate_bool, dict context (5 attributes)", "hotstate",
         direct(client.evaluate_bool, people)),
        ("flags.python.direct", "evaluate_bool, prebuilt EvalContext", "hotstate", direct(client.evaluate_bool, prebuilt)),
        ("flags.python.direct", "evaluate() details, dict context", "hotstate", details(client.evaluate, people)),
        ("flags.python.openfeature", "OpenFeature get_boolean_value -> HotstateProvider", "hotstate",
         by_flag_key(of_hotstate.get_boolean_value, of_contexts)),
        ("flags.python.openfeature", "OpenFeature get_boolean_value -> FlagdProvider (in-process, file)", "flagd",
         by_flag_key(of_flagd.get_boolean_value, of_contexts)),
        ("flags.python.provider", "HotstateProvider.resolve_boolean_details (no SDK)", "hotstate",
         by_flag_key(hotstate_provider.resolve_boolean_details, of_contexts)),
        ("flags.python.provider", "FlagdProvider.resolve_boolean_details (no SDK)", "flagd",
         by_flag_key(flagd.resolve_boolean_details, of_contexts)),
    ]
    for _, _, _, loop in subjects:  # warm-up
        loop()
    figures: list[list[float]] = [[] for _ in subjects]
    for _ in range(runs):
        for i, (_, _, _, loop) in enumerate(subjects):
            figures[i].append(ns_per_evaluation(loop, min_time))
    client.close()
    rows = [{"case": case, "subject": subject, "system": system, "unit": "ns/op",
             "value": round(statistics.median(f), 1), "min": round(min(f), 1), "max": round(max(f), 1), "runs": runs}
            for (case, subject, system, _), f in zip(subjects, figures)]
    notes = (f"{USERS} users, {on} of them get 'on' from hotstate; hotstate and flagd agree for {same} of {USERS} "
             "(the rule alike; in the rollout flagd-core 2 hashes the CBOR encoding of [flagKey, targetingKey], "
             "hotstate flagd's v2 input, the UTF-8 of flagKey + targetingKey, so buckets differ); "
             f"{runs} runs of >= {min_time} s per subject, interleaved")
    rows[0]["notes"] = notes
    return rows, notes


def print_table(part: dict[str, Any]) -> None:
    rows = part["rows"]
    print(f"flags.python ({part['mode']}): {part['placement']}")
    print(f"  {part['notes']}")
    print(f"  {'subject':<68} {'system':<9} {'median':>9} {'min':>9} {'max':>9}  ns/evaluation")
    for case in dict.fromkeys(r["case"] for r in rows):
        in_case = [r for r in rows if r["case"] == case]
        ours = next((r for r in in_case if r["system"] == "hotstate"), None)
        for r in in_case:
            vs = ""
            if ours and r["system"] != "hotstate":
                ratio = r["value"] / ours["value"]
                vs = f"  hotstate {ratio:.1f}x ahead" if ratio >= 1 else f"  hotstate {1 / ratio:.1f}x behind"
            print(f"  {r['subject']:<68} {r['system']:<9} {r['value']:>9,.0f} {r['min']:>9,.0f} {r['max']:>9,.0f}{vs}")


if __name__ == "__main__":
    main()
