#!/usr/bin/env python3
"""Accuracy of conlab's Python cells, and the driver's own overhead.

1. py-asyncio and py-thread `sleep:1s` cells at 1,000 / 10,000 (and 100,000 for asyncio)
   against standalone scripts of the same shape (benches/standalone/), alternately,
   REPEAT times: peak RSS (standalone as benches/peak.py measures it, the larger of
   ru_maxrss and the highest RSS a poller saw; conlab's peak_rss_bytes)
   and work time (standalone's own clock; conlab's work_s).
2. Driver overhead per interpreter: a cell of `sleep:0ms` with 1 task (ready_s is the
   interpreter start plus the driver's imports; peak RSS) against `python3 -c pass`
   timed the same way.

Usage: python3 benches/python_accuracy.py [REPEAT] [PYTHON...] [--cases MODEL:N,...]
(after `cargo build --release --bins`). `--cases` runs only those of CASES (py-asyncio at
1,000,000 is one of them: about 2 GiB per program and a minute per round).
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time

from peak import peak

ARGS = sys.argv[1:]
ONLY = None
if "--cases" in ARGS:
    i = ARGS.index("--cases")
    ONLY = {(m, int(n)) for m, n in (c.rsplit(":", 1) for c in ARGS[i + 1].split(","))}
    del ARGS[i:i + 2]
REPEAT = int(ARGS[0]) if ARGS else 3
PYTHONS = ARGS[1:] or ["python3"]
CASES = [("py-asyncio", "py_asyncio_sleep.py", 1_000), ("py-asyncio", "py_asyncio_sleep.py", 10_000),
         ("py-asyncio", "py_asyncio_sleep.py", 100_000), ("py-asyncio", "py_asyncio_sleep.py", 1_000_000),
         ("py-thread", "py_thread_sleep.py", 1_000), ("py-thread", "py_thread_sleep.py", 10_000)]
CASES = [c for c in CASES if ONLY is None or (c[0], c[2]) in ONLY]


def standalone(script, n):
    maxrss, seen, out = peak(["python3", f"benches/standalone/{script}", str(n), "1"])
    return max(maxrss, seen), float(out.strip())


def conlab(model, n, workdir, tag, python="python3", workload="sleep:1s"):
    out = f"{workdir}/{tag}"
    subprocess.run(["./target/release/conlab", "bench", "--workload", workload, "--models", model, "--tasks", str(n),
                    "--python", python, "--out", out, "--cell-timeout", "600s"], capture_output=True, check=True)
    cell = json.load(open(f"{out}/results.json"))["cells"][0]
    assert cell["status"] == "ok", cell
    return cell


def main():
    print(f"{'model':<11} {'tasks':>8} {'standalone KiB':>15} {'conlab KiB':>11} {'ratio':>6}   "
          f"{'standalone s':>12} {'conlab work s':>13} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as workdir:
        for model, script, n in CASES:
            a_rss, a_t, b_rss, b_t = [], [], [], []
            for r in range(REPEAT):
                rss, t = standalone(script, n)
                a_rss.append(rss)
                a_t.append(t)
                cell = conlab(model, n, workdir, f"{model}-{n}-{r}")
                b_rss.append(cell["peak_rss_bytes"] / 1024)
                b_t.append(cell["work_s"])
            ar, br, at, bt = (statistics.median(x) for x in (a_rss, b_rss, a_t, b_t))
            print(f"{model:<11} {n:>8,} {ar:>15,.0f} {br:>11,.0f} {br / ar:>6.3f}   {at:>12.3f} {bt:>13.3f} {bt / at:>6.3f}")

        print("\nDriver overhead (median of %d): interpreter start + imports, and memory" % REPEAT)
        for python in PYTHONS:
            bare_t, bare_rss, ready, rss = [], [], [], []
            for r in range(REPEAT):
                t = time.perf_counter()
                out = subprocess.run(["/usr/bin/time", "-f", "%M", python, "-c", "pass"], capture_output=True, text=True)
                bare_t.append(time.perf_counter() - t)
                bare_rss.append(int(out.stderr.strip().splitlines()[-1]))
                cell = conlab("py-asyncio", 1, workdir, f"ovh-{r}-{abs(hash(python))}", python, "sleep:0ms")
                ready.append(cell["ready_s"])
                rss.append(cell["peak_rss_bytes"] / 1024)
            version = subprocess.run([python, "--version"], capture_output=True, text=True).stdout.strip()
            print(f"  {version:<15} bare start {statistics.median(bare_t) * 1e3:6.1f} ms, {statistics.median(bare_rss) / 1024:5.1f} MiB;"
                  f"  driver ready after {statistics.median(ready) * 1e3:6.1f} ms, cell peak {statistics.median(rss) / 1024:5.1f} MiB")


if __name__ == "__main__":
    main()
