#!/usr/bin/env python3
"""Accuracy of conlab's peak RSS: a conlab cell against a minimal standalone program doing
the same (spawn N, each sleeps 1 s, join all).

The standalone's peak is measured as conlab measures a cell's (benches/peak.py): the larger
of the kernel's high-water mark (ru_maxrss, `/usr/bin/time -f %M`) and the highest RSS a
poller saw; both columns are printed. Runs A (standalone) and B (conlab) alternately,
REPEAT times each, and prints medians and the ratio B/A. Usage: python3 benches/accuracy.py [REPEAT]   (from the repository root,
after `cargo build --release --bins --examples`).
"""
import json
import statistics
import subprocess
import sys
import tempfile

from peak import peak

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CASES = [("threads", "rs-thread", 1_000), ("threads", "rs-thread", 10_000),
         ("tokio", "rs-async", 10_000), ("tokio", "rs-async", 100_000), ("tokio", "rs-async", 1_000_000)]


def standalone_kib(kind, n):
    """(ru_maxrss, highest RSS seen) of the standalone program, KiB."""
    maxrss, seen, _ = peak([f"./target/release/examples/standalone_{kind}", str(n), "1000"])
    return maxrss, seen


def conlab_kib(model, n, workdir, r):
    out_dir = f"{workdir}/{model}-{n}-{r}"
    subprocess.run(["./target/release/conlab", "bench", "--workload", "sleep:1s", "--models", model,
                    "--tasks", str(n), "--out", out_dir], capture_output=True, check=True)
    cell = json.load(open(f"{out_dir}/results.json"))["cells"][0]
    assert cell["status"] == "ok", cell
    return cell["peak_rss_bytes"] / 1024


def main():
    print(f"{'model':<10} {'tasks':>9} {'ru_maxrss KiB':>14} {'sampled KiB':>12} {'standalone KiB':>15} "
          f"{'conlab KiB':>11} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as workdir:
        for kind, model, n in CASES:
            maxrss, seen, a, b = [], [], [], []
            for r in range(REPEAT):
                m, s = standalone_kib(kind, n)
                maxrss.append(m)
                seen.append(s)
                a.append(max(m, s))
                b.append(conlab_kib(model, n, workdir, r))
            mm, ms, ma, mb = (statistics.median(x) for x in (maxrss, seen, a, b))
            print(f"{model:<10} {n:>9,} {mm:>14,.0f} {ms:>12,.0f} {ma:>15,.0f} {mb:>11,.0f} {mb / ma:>7.3f}")


if __name__ == "__main__":
    main()
