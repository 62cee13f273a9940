#!/usr/bin/env python3
"""Load generation and serving, side by side, on loopback.

1. Load generators: conlab's `rs-async` http workload (keep-alive, duration=10s, 0 ms
   latency, 64 tasks), oha (-c 64 -z 10s) and wrk (-t2 -c64 -d10s), all three aimed at the
   same server: nginx from Debian, then `conlab serve --latency 0ms`. Requests per second.
2. Servers: wrk (64 connections, 10 s) against `conlab serve --latency 0ms` and against
   nginx: requests per second and p99 latency.

Every server and generator is started and stopped by this script (by pid). Bodies are
128 bytes everywhere. Usage: python3 benches/load.py [REPEAT] (after `cargo build
--release --bins`; needs wrk and nginx from Debian, oha from `cargo install oha`).
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 1
SECONDS = 10
CONLAB = "./target/release/conlab"


def start_nginx(workdir):
    port = free_port()
    conf = f"""
worker_processes auto;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{ default_type application/octet-stream; return 200 '{"x" * 128}'; }}
  }}
}}
"""
    path = os.path.join(workdir, "nginx.conf")
    open(path, "w").write(conf)
    proc = subprocess.Popen(["nginx", "-c", path, "-p", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"http://127.0.0.1:{port}/delay?ms=0&bytes=128"


def start_conlab():
    proc = subprocess.Popen([CONLAB, "serve", "--latency", "0ms", "--bytes", "128"], stdout=subprocess.PIPE, text=True)
    addr = json.loads(proc.stdout.readline())["http"]
    return proc, f"{addr}/delay?ms=0&bytes=128"


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_wrk(url):
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{SECONDS}s", "--latency", url], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def run_oha(url):
    out = subprocess.run(["oha", "-c", "64", "-z", f"{SECONDS}s", "--no-tui", "--output-format", "json", url],
                         capture_output=True, text=True).stdout
    return json.loads(out)["summary"]["requestsPerSec"]


def run_conlab(url, workdir, tag):
    out = f"{workdir}/conlab-{tag}"
    subprocess.run([CONLAB, "bench", "--workload", f"http:latency=0ms,duration={SECONDS}s,keepalive=true",
                    "--models", "rs-async", "--tasks", "64", "--target", url, "--out", out], capture_output=True, check=True)
    cell = json.load(open(f"{out}/results.json"))["cells"][0]
    assert cell["status"] == "ok" and cell["requests_failed"] == 0, cell
    return cell["requests_per_s"]


def main():
    have_oha = shutil.which("oha") is not None
    gen = {}
    srv = {}
    with tempfile.TemporaryDirectory() as workdir:
        for r in range(REPEAT):
            for server in ("nginx", "conlab serve"):
                proc, url = start_nginx(workdir) if server == "nginx" else start_conlab()
                try:
                    rps, p99 = run_wrk(url)
                    gen.setdefault((server, "wrk"), []).append(rps)
                    srv.setdefault(server, []).append((rps, p99))
                    if have_oha:
                        gen.setdefault((server, "oha"), []).append(run_oha(url))
                    gen.setdefault((server, "conlab rs-async"), []).append(run_conlab(url, workdir, f"{server}-{r}".replace(" ", "")))
                finally:
                    stop(proc)
    print("Load generators (requests/s, median of %d):" % REPEAT)
    for server in ("nginx", "conlab serve"):
        row = {g: statistics.median(v) for (s, g), v in gen.items() if s == server}
        ours = row["conlab rs-async"]
        parts = [f"{g} {v:,.0f}" for g, v in row.items()]
        ratios = [f"conlab/{g} {ours / v:.2f}" for g, v in row.items() if g != "conlab rs-async"]
        print(f"  against {server:<12}: " + " · ".join(parts) + "  →  " + " · ".join(ratios))
    print("Servers under wrk -c64 (median):")
    med = {s: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for s, v in srv.items()}
    for s, (rps, p99) in med.items():
        print(f"  {s:<12}: {rps:,.0f} requests/s, p99 {p99:.2f} ms")
    (cr, cp), (nr, np_) = med["conlab serve"], med["nginx"]
    print(f"  conlab serve / nginx: throughput {cr / nr:.2f}x, p99 {cp / np_:.2f}x")


if __name__ == "__main__":
    main()
