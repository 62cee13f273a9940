#!/usr/bin/env python3
"""What keeping each cell's series costs the cell: peak RSS and work time with the series
on and with `--no-series`, side by side.

Runs ROUNDS pairs of sweeps, each pair one sweep with the series and one without (the
order alternating per round, so drift hits both alike), of `sleep:1s` and
`http:latency=50ms` at 1,000 tasks under rs-thread, rs-async and py-asyncio, one run per
cell. Prints per (workload, model) the median peak RSS and work time of each side, their
difference, and the parent's sampler CPU per cell (the series' cost on the parent's side).

Usage: [SERIES_FIRST=off] python3 benches/series_cost.py [ROUNDS] [CONLAB]
   (CONLAB defaults to ./target/release/conlab, else ./target/debug/conlab)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
# SERIES_FIRST=off starts the first round with the sweep without the series (an order
# effect then shows as a flipped sign).
ON_FIRST = os.environ.get("SERIES_FIRST", "on") != "off"
CONLAB = sys.argv[2] if len(sys.argv) > 2 else next(
    p for p in ("./target/release/conlab", "./target/debug/conlab") if os.path.exists(p))
WORKLOADS = ["sleep:1s", "http:latency=50ms"]
MODELS = "rs-thread,rs-async,py-asyncio"


def sweep(out, series):
    args = [CONLAB, "bench", "--models", MODELS, "--tasks", "1000", "--repeat", "1", "--out", out, "--quiet"]
    for w in WORKLOADS:
        args += ["--workload", w]
    if not series:
        args.append("--no-series")
    subprocess.run(args, check=True)
    cells = json.load(open(f"{out}/results.json"))["cells"]
    for c in cells:
        assert c["status"] == "ok", (c["model"], c["workload"], c["failure"])
        assert ("series" in c) == series, c["model"]
    return cells


def main():
    runs = {True: [], False: []}
    with tempfile.TemporaryDirectory() as workdir:
        for r in range(ROUNDS):
            for series in ((True, False) if (r % 2 == 0) == ON_FIRST else (False, True)):
                runs[series] += sweep(f"{workdir}/{r}-{'on' if series else 'off'}", series)
    print(f"{CONLAB}, {ROUNDS} rounds, medians")
    print(f"| workload | model | peak RSS on | off | work on (range) | off (range) | work on/off | sampler CPU on | off |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for w in WORKLOADS:
        for m in MODELS.split(","):
            def values(series, key):
                return [c[key] for c in runs[series] if c["workload"].startswith(w.split(":")[0]) and c["model"] == m]

            def med(series, key):
                return statistics.median(values(series, key))

            def span(series):
                v = values(series, "work_s")
                return f"{min(v):.3f}-{max(v):.3f}"
            rss_on, rss_off = med(True, "peak_rss_bytes"), med(False, "peak_rss_bytes")
            work_on, work_off = med(True, "work_s"), med(False, "work_s")
            cpu_on, cpu_off = med(True, "sampler_cpu_s"), med(False, "sampler_cpu_s")
            print(f"| {w} | {m} | {rss_on / 2**20:.2f} MiB | {rss_off / 2**20:.2f} MiB | {work_on:.3f} s "
                  f"({span(True)}) | {work_off:.3f} s ({span(False)}) | {work_on / work_off:.3f} | {cpu_on * 1e3:.1f} ms | {cpu_off * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()
