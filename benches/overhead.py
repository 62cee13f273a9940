#!/usr/bin/env python3
"""What a cell costs beyond its work, and what the parent's sampling costs.

1. Cell overhead: `conlab bench` cells of `sleep:0ms` with 1 task (no work at all): the
   cell's wall time (spawn to exit, measured by the parent) against the wall time of
   spawning the minimal standalone tokio program with 1 task of 0 ms, timed the same way
   from Python. The difference is what conlab adds: the cell protocol, sampling, reaping.
2. Sampler CPU: the parent's own CPU time (sampler_cpu_s) over a cell's wall time while
   the cell holds 10,000 sleeping threads for 10 s.

Usage: python3 benches/overhead.py [REPEAT]  (after `cargo build --release --bins --examples`)
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 30


def bare_spawn_s():
    t = time.perf_counter()
    subprocess.run(["./target/release/examples/standalone_tokio", "1", "0"], check=True)
    return time.perf_counter() - t


def main():
    with tempfile.TemporaryDirectory() as workdir:
        subprocess.run(["./target/release/conlab", "bench", "--workload", "sleep:0ms", "--models", "rs-async-st,rs-async",
                        "--tasks", "1", "--repeat", str(REPEAT), "--out", f"{workdir}/o"], capture_output=True, check=True)
        doc = json.load(open(f"{workdir}/o/results.json"))
        bare = statistics.median(bare_spawn_s() for _ in range(REPEAT))
        print(f"bare process spawn+exit (standalone tokio, 1 task of 0 ms): median {bare * 1e3:.2f} ms")
        for model in ("rs-async-st", "rs-async"):
            cells = [c for c in doc["cells"] if c["model"] == model]
            wall = statistics.median(c["wall_s"] for c in cells)
            ready = statistics.median(c["ready_s"] for c in cells)
            cpu = statistics.median(c["sampler_cpu_s"] for c in cells)
            print(f"conlab cell {model:<12} median wall {wall * 1e3:.2f} ms (ready after {ready * 1e3:.2f} ms), "
                  f"parent CPU {cpu * 1e3:.2f} ms, overhead vs bare spawn {(wall - bare) * 1e3:+.2f} ms")

        subprocess.run(["./target/release/conlab", "bench", "--workload", "sleep:10s", "--models", "rs-thread",
                        "--tasks", "10000", "--out", f"{workdir}/s"], capture_output=True, check=True)
        cell = json.load(open(f"{workdir}/s/results.json"))["cells"][0]
        share = cell["sampler_cpu_s"] / cell["wall_s"] * 100
        print(f"sampler at 10,000 threads: {cell['sampler_cpu_s'] * 1e3:.0f} ms CPU over {cell['wall_s']:.2f} s wall "
              f"= {share:.2f}% of a core, {cell['samples']} samples, peak threads {cell['peak_threads']}")


if __name__ == "__main__":
    main()
