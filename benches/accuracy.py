#!/usr/bin/env python3
"""Accuracy of conlab's peak RSS: a conlab cell against a minimal standalone program doing
the same (spawn N, each sleeps 1 s, join all), measured by /usr/bin/time -f %M.

Runs A (standalone) and B (conlab) alternately, REPEAT times each, and prints medians and
the ratio B/A. Usage: python3 benches/accuracy.py [REPEAT]   (from the repository root,
after `cargo build --release --bins --examples`).
"""
import json
import statistics
import subprocess
import sys
import tempfile

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CASES = [("threads", "rs-thread", 1_000), ("threads", "rs-thread", 10_000),
         ("tokio", "rs-async", 10_000), ("tokio", "rs-async", 100_000), ("tokio", "rs-async", 1_000_000)]


def standalone_kib(kind, n):
    out = subprocess.run(["/usr/bin/time", "-f", "%M", f"./target/release/examples/standalone_{kind}", str(n), "1000"],
                         capture_output=True, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1])


def conlab_kib(model, n, workdir, r):
    out_dir = f"{workdir}/{model}-{n}-{r}"
    subprocess.run(["./target/release/conlab", "bench", "--workload", "sleep:1s", "--models", model,
                    "--tasks", str(n), "--out", out_dir], capture_output=True, check=True)
    cell = json.load(open(f"{out_dir}/results.json"))["cells"][0]
    assert cell["status"] == "ok", cell
    return cell["peak_rss_bytes"] / 1024


def main():
    print(f"{'model':<10} {'tasks':>9} {'standalone KiB':>15} {'conlab KiB':>12} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as workdir:
        for kind, model, n in CASES:
            a, b = [], []
            for r in range(REPEAT):
                a.append(standalone_kib(kind, n))
                b.append(conlab_kib(model, n, workdir, r))
            ma, mb = statistics.median(a), statistics.median(b)
            print(f"{model:<10} {n:>9,} {ma:>15,.0f} {mb:>12,.0f} {mb / ma:>7.3f}")


if __name__ == "__main__":
    main()
