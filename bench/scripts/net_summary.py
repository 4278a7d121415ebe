#!/usr/bin/env python3
"""Turns hotstate_loadgen's per-run JSON lines into net.json (min / median / max over runs
per case and system) and prints a table with each peer's ratio to hotstated.

usage: net_summary.py RUNS_JSONL MODE PLACEMENT OUT_JSON
"""
import json
import statistics
import sys


def main():
    runs_path, mode, placement, out_path = sys.argv[1:5]
    groups = {}
    with open(runs_path) as f:
        for line in f:
            if line.strip():
                run = json.loads(line)
                groups.setdefault((run["case"], run["system"]), []).append(run)

    rows = []
    for (case, system), runs in groups.items():
        values = [r["value"] for r in runs]
        row = {"case": case, "subject": "hotstated" if system == "hotstate" else system, "system": system,
               "unit": runs[0]["unit"], "value": statistics.median(values), "min": min(values),
               "max": max(values), "runs": len(runs)}
        # Latency and CPU: the median over runs of each run's figure.
        for key in ("p50_ms", "p99_ms", "p999_ms", "server_cpu_s", "loadgen_cpu_s", "catchups", "snapshots"):
            if key in runs[0]:
                row[key] = statistics.median(r[key] for r in runs)
        notes = runs[0]["notes"]
        if any("DID NOT KEEP UP" in r["notes"] for r in runs) and "DID NOT KEEP UP" not in notes:
            notes += "; DID NOT KEEP UP in some runs"
        row["notes"] = notes
        rows.append(row)

    with open(out_path, "w") as f:
        json.dump({"benchmark": "net", "mode": mode, "placement": placement, "rows": rows}, f, indent=1)
        f.write("\n")

    hot = {r["case"]: r for r in rows if r["system"] == "hotstate"}
    print(f"placement: {placement}")
    header = f"{'case':<20} {'system':<9} {'median':>12} {'min':>12} {'max':>12} {'unit':<17} {'vs hs':>6} " \
             f"{'p50 ms':>8} {'p99 ms':>8} {'p999 ms':>8} {'srv cpu':>7} {'lg cpu':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        base = hot.get(r["case"])
        ratio = f"{r['value'] / base['value']:.2f}" if base and base["value"] else ""
        lat = "".join(f" {r[k]:>8.2f}" if k in r else f" {'':>8}" for k in ("p50_ms", "p99_ms", "p999_ms"))
        cpu = "".join(f" {r[k]:>7.2f}" if k in r else f" {'':>7}" for k in ("server_cpu_s", "loadgen_cpu_s"))
        print(f"{r['case']:<20} {r['system']:<9} {r['value']:>12.6g} {r['min']:>12.6g} {r['max']:>12.6g} "
              f"{r['unit']:<17} {ratio:>6}{lat}{cpu}")
    print("vs hs: the peer's median divided by hotstated's in the same run (throughput: higher is better; "
          "bytes and seconds: lower is better). CPU: seconds used during one run, median.")


if __name__ == "__main__":
    main()
