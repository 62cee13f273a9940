#!/usr/bin/env python3
"""Does the sampler keep up at the largest cells? Its own CPU and the peak it sees.

Runs `sleep:10s` cells that hold many tasks for ten seconds: rs-thread at 15,000 threads
(near this machine's max_map_count ceiling) and rs-async at 1,000,000 tasks, REPEAT times
each, and prints per cell:
- the parent's sampler CPU (sampler_cpu_s) as a share of one core over the cell's wall time
  (target: under 2%);
- the highest RSS the samples saw against the kernel's high-water mark the cell reported
  (peak_rss_bytes takes the larger): how much of the peak sampling alone would have missed.
  VmRSS is read from per-CPU counters, so a few hundred KiB either way is noise.

Usage: python3 benches/sampler.py [REPEAT]   (after `cargo build --release --bins`)
"""
import json
import statistics
import subprocess
import sys
import tempfile

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CASES = [("rs-thread", 15_000), ("rs-async", 1_000_000)]


def main():
    print(f"{'model':<10} {'tasks':>10} {'sampler % core':>15} {'samples':>8} {'sampled peak':>13} "
          f"{'HWM peak':>10} {'missed':>8}")
    with tempfile.TemporaryDirectory() as workdir:
        for model, n in CASES:
            rows = []
            for r in range(REPEAT):
                out = f"{workdir}/{model}-{r}"
                subprocess.run(["./target/release/conlab", "bench", "--workload", "sleep:10s", "--models", model,
                                "--tasks", str(n), "--repeat", "1", "--out", out, "--quiet"], check=True)
                cell = json.load(open(f"{out}/results.json"))["cells"][0]
                assert cell["status"] == "ok", cell["failure"]
                share = cell["sampler_cpu_s"] / cell["wall_s"] * 100
                sampled, peak = cell["sampled_rss_bytes"], cell["peak_rss_bytes"]
                rows.append((share, cell["samples"], sampled, peak))
                print(f"{model:<10} {n:>10,} {share:>14.2f}% {cell['samples']:>8} {sampled / 2**20:>10.1f} MiB "
                      f"{peak / 2**20:>6.1f} MiB {(peak - sampled) / 1024:>+6.0f} KiB")
            med = [statistics.median(x[i] for x in rows) for i in range(4)]
            print(f"{'median':<10} {'':>10} {med[0]:>14.2f}% {med[1]:>8.0f} {med[2] / 2**20:>10.1f} MiB "
                  f"{med[3] / 2**20:>6.1f} MiB {(med[3] - med[2]) / 1024:>+6.0f} KiB")


if __name__ == "__main__":
    main()
