#!/usr/bin/env python3
"""A server model under conlab's load generator and under wrk, side by side.

The same server, `rs-async` serving `serve-http:latency=0ms` (128-byte bodies,
keep-alive), is loaded two ways in alternating rounds:

1. conlab's own sweep: `conlab bench --workload serve-http:latency=0ms,duration=Ds
   --models MODEL --tasks 64` (its generator: the http client workload under rs-async,
   64 connections, closed loop); requests/s from results.json;
2. wrk -t2 -c64 -dDs against the same model run by hand: `conlab serve --model MODEL
   --workload serve-http:latency=0ms --listen 127.0.0.1:PORT`.

Prints each round and the medians, and the ratio conlab / wrk. Every server is stopped by
pid. Usage: python3 benches/serve_wrk.py [ROUNDS] [MODEL] [SECONDS] (after `cargo build
--release --bins`; needs wrk from Debian). CONLAB=PATH runs another conlab binary.
"""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
MODEL = sys.argv[2] if len(sys.argv) > 2 else "rs-async"
SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
CONLAB = os.environ.get("CONLAB", "./target/release/conlab")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conlab_round():
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([CONLAB, "bench", "--quiet", "--workload", "serve-http:latency=0ms,duration=%ds" % SECONDS,
                        "--models", MODEL, "--tasks", "64", "--repeat", "1", "--out", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        doc = json.load(open(os.path.join(out, "results.json")))
        cell = [c for c in doc["cells"] if not c["baseline"]][0]
        assert cell["status"] == "ok", cell
        return cell["requests_per_s"], cell["request_latency_ms"]["p99"]


def wrk_round():
    port = free_port()
    server = subprocess.Popen([CONLAB, "serve", "--model", MODEL, "--workload", "serve-http:latency=0ms",
                               "--listen", "127.0.0.1:%d" % port], stderr=subprocess.PIPE, text=True)
    try:
        server.stderr.readline()  # "serving ... on ADDR": ready
        out = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % SECONDS, "--latency", "http://127.0.0.1:%d/" % port],
                             check=True, capture_output=True, text=True).stdout
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return rate, float(p99.group(1)) * scale


def main():
    rows = {"conlab": [], "wrk": []}
    for r in range(ROUNDS):
        for name, fn in (("conlab", conlab_round), ("wrk", wrk_round)) if r % 2 == 0 else \
                (("wrk", wrk_round), ("conlab", conlab_round)):
            rate, p99 = fn()
            rows[name].append((rate, p99))
            print("round %d %-6s %10.0f req/s  p99 %.2f ms" % (r + 1, name, rate, p99), flush=True)
    med = {k: (statistics.median(v[0] for v in rows[k]), statistics.median(v[1] for v in rows[k])) for k in rows}
    for k, (rate, p99) in med.items():
        print("median %-6s %10.0f req/s  p99 %.2f ms" % (k, rate, p99))
    print("conlab / wrk requests/s: %.3f" % (med["conlab"][0] / med["wrk"][0]))


if __name__ == "__main__":
    main()
