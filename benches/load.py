#!/usr/bin/env python3
"""Load generation and serving, side by side, on loopback.

1. Load generators: conlab's `rs-async` http workload (keep-alive, duration=Ds, 0 ms
   latency, 64 tasks, one cell per round), wrk (-t2 -c64 -dDs) and, when installed, oha
   (-c 64 -z Ds), all aimed at the same server: nginx from Debian (2 workers), then
   `conlab serve --latency 0ms`. Requests per second and p99 latency; conlab / wrk.
   nginx listens with `reuseport`, one accept queue per worker: with one shared queue,
   whichever worker happened to be awake accepted most of a generator's 64 connections
   (60 of 64 or all of them in some runs, for wrk and conlab alike), and the run measured
   that lottery instead of the generator.
2. Servers: wrk (64 connections) against `conlab serve --latency 0ms` and against nginx:
   requests per second and p99 latency.

Each round starts each server afresh and runs the generators against it in turn, the
order alternating between rounds (wrk first, then conlab first), so drift on a shared
machine hits both alike. Each run also shows the CPU time other processes took meanwhile
("other"); a round in which other processes took more than a tenth of a core during any
run (someone else's build on a shared machine) is shown, set aside and run again, all its
generators together, up to 10 times. Every server and generator is started and stopped by
this script (by pid). Bodies are 128 bytes everywhere.

Usage: python3 benches/load.py [ROUNDS] [SECONDS] (after `cargo build --release --bins`;
needs wrk and nginx from Debian; oha from `cargo install oha` is optional). CONLAB=PATH
runs another conlab binary (with its conlab-cell beside it); CONLAB_BEFORE=PATH adds an
older build as a third generator, "before", in the same rounds.
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
CONLAB = os.environ.get("CONLAB", "./target/release/conlab")
BEFORE = os.environ.get("CONLAB_BEFORE")
SERVERS = ("nginx", "conlab serve")


def start_nginx(workdir):
    port = free_port()
    conf = f"""
worker_processes 2;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port} backlog=4096 reuseport;
    location / {{ default_type application/octet-stream; return 200 '{"x" * 128}'; }}
  }}
}}
"""
    path = os.path.join(workdir, "nginx.conf")
    open(path, "w").write(conf)
    proc = subprocess.Popen(["nginx", "-c", path, "-p", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port)
    return proc, f"http://127.0.0.1:{port}/delay?ms=0&bytes=128"


def start_conlab():
    proc = subprocess.Popen([CONLAB, "serve", "--latency", "0ms", "--bytes", "128"], stdout=subprocess.PIPE, text=True)
    addr = json.loads(proc.stdout.readline())["http"]
    return proc, f"{addr}/delay?ms=0&bytes=128"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def other_cpu():
    """CPU seconds used so far by processes that are not this script's or its children's."""
    me, procs = os.getpid(), {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        procs[int(pid)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))

    def ours(pid):
        while pid > 1:
            if pid == me:
                return True
            pid = procs.get(pid, (0, 0))[0]
        return False

    return sum(cpu for pid, (_, cpu) in procs.items() if not ours(pid)) / os.sysconf("SC_CLK_TCK")


def run_wrk(url):
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{SECONDS}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def run_oha(url):
    out = subprocess.run(["oha", "-c", "64", "-z", f"{SECONDS}s", "--no-tui", "--output-format", "json", url],
                         capture_output=True, text=True, check=True).stdout
    summary = json.loads(out)
    return summary["summary"]["requestsPerSec"], summary["latencyPercentiles"]["p99"] * 1e3


def run_conlab(url, conlab=CONLAB):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([conlab, "bench", "--quiet", "--workload", f"http:latency=0ms,duration={SECONDS}s,keepalive=true",
                        "--models", "rs-async", "--tasks", "64", "--repeat", "1", "--target", url, "--out", out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        cell = [c for c in json.load(open(f"{out}/results.json"))["cells"] if not c["baseline"]][0]
    assert cell["status"] == "ok" and cell["requests_failed"] == 0, cell
    return cell["requests_per_s"], cell["request_latency_ms"]["p99"]


def round_against(server, order, workdir, r):
    """One round of every generator against a fresh `server`: their results, and whether
    other processes took more than a tenth of a core during any run."""
    got, disturbed = {}, False
    proc, url = start_nginx(workdir) if server == "nginx" else start_conlab()
    try:
        for name, run in order:
            before = other_cpu()
            rps, p99 = run(url)
            other = other_cpu() - before
            disturbed |= other > 0.1 * SECONDS
            got[name] = (rps, p99)
            print(f"round {r} {server:<12} {name:<6} {rps:>10,.0f} requests/s  p99 {p99:5.2f} ms"
                  f"  (other {other:.1f} CPU-s)", flush=True)
    finally:
        stop(proc)
    return got, disturbed


def main():
    generators = [("wrk", run_wrk), ("conlab", run_conlab)]
    if BEFORE:
        generators.append(("before", lambda url: run_conlab(url, BEFORE)))
    if shutil.which("oha"):
        generators.insert(1, ("oha", run_oha))
    else:
        print("oha not installed: skipped (cargo install oha)")
    runs = {}  # (server, generator) -> [(requests/s, p99 ms)]
    with tempfile.TemporaryDirectory() as workdir:
        for r in range(ROUNDS):
            order = generators if r % 2 == 0 else generators[::-1]
            for server in SERVERS:
                for attempt in range(10):
                    got, disturbed = round_against(server, order, workdir, r + 1)
                    if not disturbed:
                        break
                    print("  (disturbed by other processes: set aside, run again)", flush=True)
                    time.sleep(20)
                for name, result in got.items():
                    runs.setdefault((server, name), []).append(result)
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in runs.items()}
    print(f"\nLoad generators, median of {ROUNDS} ({SECONDS} s each):")
    print("| generator → server | " + " | ".join(g for g, _ in generators) + " | conlab / wrk | p99 conlab / wrk |")
    for server in SERVERS:
        cells = [f"{med[(server, g)][0]:,.0f} req/s, p99 {med[(server, g)][1]:.2f} ms" for g, _ in generators]
        (c, cp), (w, wp) = med[(server, "conlab")], med[(server, "wrk")]
        per_round = [runs[(server, "conlab")][i][0] / runs[(server, "wrk")][i][0] for i in range(ROUNDS)]
        print(f"| → {server} | " + " | ".join(cells) + f" | {c / w:.2f} | {cp / wp:.2f} |")
        print("    conlab / wrk per round: " + ", ".join(f"{x:.2f}" for x in per_round)
              + f" (median {statistics.median(per_round):.2f})")
        if BEFORE:
            print(f"    before / wrk: {med[(server, 'before')][0] / w:.2f}, conlab / before: "
                  f"{c / med[(server, 'before')][0]:.2f}")
    print("\nServers under wrk -c64 (median):")
    for server in SERVERS:
        rps, p99 = med[(server, "wrk")]
        print(f"  {server:<12}: {rps:,.0f} requests/s, p99 {p99:.2f} ms")
    (cr, cp), (nr, np_) = med[("conlab serve", "wrk")], med[("nginx", "wrk")]
    print(f"  conlab serve / nginx: throughput {cr / nr:.2f}x, p99 {cp / np_:.2f}x")


if __name__ == "__main__":
    main()
