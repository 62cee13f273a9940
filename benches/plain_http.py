#!/usr/bin/env python3
"""The driver's http cells against the plainest program that does the same.

`conlab bench --workload http:latency=50ms --models py-thread --tasks 10` runs 10 threads
that each GET /delay?ms=50&bytes=128 once from `conlab serve`. The plain program here does
exactly that and nothing else: N `threading.Thread`, each one `http.client` GET, timed from
before the first thread is created to after the last join, every import (including the
idna codec the first connect would import) done before the clock starts.

By default the script starts `conlab serve` itself (and stops it by pid at the end), then
runs REPEAT rounds, each one a fresh plain process and, in fresh processes too, the
driver (the JSON cell spec piped into `PYTHONPATH=python python3 -m conlab_driver`, work time =
finished_ns - ready_ns from its report) under py-thread, py-asyncio and py-pool, and
prints the medians and their ratios to the plain program. Target: the driver's py-thread
within 15% of the plain program.

Usage: python3 benches/plain_http.py [--conlab PATH] [--repeat R] [--tasks N] [--python PY] [--driver PATH]
(--driver: the directory holding the package conlab_driver/, default python/; or a
single-file driver.py of an older conlab, run as a script.)
       python3 benches/plain_http.py --plain URL [--tasks N] [--repeat R]
(--plain: the plain program alone, against a running server: prints its median ms.)
"""
import argparse
import encodings.idna  # noqa: F401  what the first getaddrinfo imports: before the clock
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "..", "python")
# What conlab sends the driver in every spec (src/launch/python.rs DriverConstants).
CONSTANTS = {"backlog": 2048, "listener_fd": 3, "head_limit": 16384,
             "buckets": {"top": 3_600_000_000, "sub_bucket_bits": 11}}
LATENCY_MS, BYTES = 50, 128


def plain_once(url, n):
    """N threads, one GET each; the milliseconds from before the first start to after the
    last join."""
    parts = urlsplit(url)
    path = parts.path + "?" + parts.query
    statuses = []

    def get():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        statuses.append(resp.status)

    t = time.monotonic()
    threads = [threading.Thread(target=get) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = (time.monotonic() - t) * 1e3
    if statuses != [200] * n:
        raise SystemExit("plain: statuses %s" % statuses)
    return elapsed


def plain_process(python, url, n):
    out = subprocess.run([python, __file__, "--plain", url, "--tasks", str(n), "--repeat", "1"],
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


def driver_process(python, driver, server, n, model, workers=None):
    """One cell of the driver in a fresh process: its work time in ms."""
    spec = {"workload": {"kind": "http", "latency_ns": LATENCY_MS * 1_000_000, "bytes": BYTES, "requests": 1,
                         "duration_ns": None, "keepalive": True, "timeout_ns": 10_000_000_000},
            "model": {"kind": model, "lib": None, "workers": workers},
            "tasks": n, "target": {"server": server, "urls": [], "tcp": None}, "constants": CONSTANTS}
    if driver.endswith(".py"):  # an older conlab's single-file driver
        command, env = [python, driver], None
    else:  # the package, from the directory that holds it
        command, env = [python, "-m", "conlab_driver"], dict(os.environ, PYTHONPATH=os.path.abspath(driver))
    out = subprocess.run(command, input=json.dumps(spec), capture_output=True, text=True, check=True, env=env)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if report["tasks_failed"]:
        raise SystemExit("driver %s: %s" % (model, report["first_error"]))
    return (report["finished_ns"] - report["ready_ns"]) / 1e6


def start_server(conlab):
    proc = subprocess.Popen([conlab, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise SystemExit("conlab serve did not start")
    return proc, json.loads(line)["http"]


def stop_server(proc):
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def compare(args):
    pool = min(32, len(os.sched_getaffinity(0)) + 4)  # conlab's default py-pool width
    cells = [("driver py-thread", "py-thread", None), ("driver py-asyncio", "py-asyncio", None),
             ("driver py-pool (%d threads)" % pool, "py-pool", pool)]
    proc, server = start_server(args.conlab)
    try:
        url = "%s/delay?ms=%d&bytes=%d" % (server, LATENCY_MS, BYTES)
        times = {"plain": []}
        for _ in range(args.repeat):
            times["plain"].append(plain_process(args.python, url, args.tasks))
            for name, model, workers in cells:
                times.setdefault(name, []).append(driver_process(args.python, args.driver, server, args.tasks, model, workers))
    finally:
        stop_server(proc)
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["plain"]
    print("%d tasks x GET %s, %d rounds, medians (work time)" % (args.tasks, url.replace(server, ""), args.repeat))
    print("  %-30s %8.1f ms" % ("plain http.client + threads", base))
    for name, _, _ in cells:
        print("  %-30s %8.1f ms  %.3fx plain" % (name, medians[name], medians[name] / base))
    ratio = medians["driver py-thread"] / base
    print("target: driver py-thread within 15%% of plain: %s (%.3fx)" % ("met" if ratio <= 1.15 else "NOT met", ratio))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conlab", default="/work/main/target/release/conlab", help="the conlab binary")
    parser.add_argument("--python", default="python3", help="the interpreter for both programs")
    parser.add_argument("--driver", default=DRIVER, help="the driver to measure (another version, for an A/B)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--plain", metavar="URL", help="run the plain program alone against URL")
    args = parser.parse_args()
    if args.plain:
        print("%.3f" % statistics.median(plain_once(args.plain, args.tasks) for _ in range(args.repeat)))
    else:
        compare(args)


if __name__ == "__main__":
    main()
