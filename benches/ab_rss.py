#!/usr/bin/env python3
"""Peak RSS and work time of the same cells under two conlab builds, alternated: OLD vs NEW.

Usage: python3 benches/ab_rss.py ROUNDS [MODEL:TASKS ...] [--workload SPEC]
(set OLD to a conlab built from an earlier commit, e.g. `git worktree add /tmp/oldtree REV;
CARGO_TARGET_DIR=/tmp/oldtarget cargo build --release --bins`; NEW defaults to
./target/release/conlab). Prints medians over the rounds and the ratio after/before.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

OLD = os.environ.get("OLD", "/tmp/oldtarget/release/conlab")
NEW = os.environ.get("NEW", "./target/release/conlab")
args = sys.argv[1:]
workload = "sleep:1s"
if "--workload" in args:
    i = args.index("--workload")
    workload = args[i + 1]
    del args[i:i + 2]
rounds = int(args[0])
cases = [(m, int(n)) for m, n in (a.rsplit(":", 1) for a in args[1:])] or [
    ("rs-thread", 1000), ("rs-async", 10000), ("py-asyncio", 1000)]
res = {}
for r in range(rounds):
    for model, n in cases:
        for tag, exe in (("old", OLD), ("new", NEW)):
            with tempfile.TemporaryDirectory() as d:
                subprocess.run([exe, "bench", "--workload", workload, "--models", model, "--tasks", str(n),
                                "--repeat", "1", "--out", d + "/o"], capture_output=True)
                c = [c for c in json.load(open(d + "/o/results.json"))["cells"] if not c.get("baseline")][0]
            assert c["status"] == "ok", (tag, model, n, c.get("failure"))
            res.setdefault((model, n, tag), []).append((c["peak_rss_bytes"] // 1024, c["work_s"]))
print(f"{workload}, medians of {rounds} alternated rounds")
for model, n in cases:
    o = res[(model, n, "old")]
    w = res[(model, n, "new")]
    orss, nrss = statistics.median(x[0] for x in o), statistics.median(x[0] for x in w)
    owork, nwork = statistics.median(x[1] for x in o), statistics.median(x[1] for x in w)
    print(f"{model:<11}{n:>8}  peak RSS {orss:>8.0f} -> {nrss:>8.0f} KiB ({nrss / orss:.3f})"
          f"  work {owork * 1000:>8.1f} -> {nwork * 1000:>8.1f} ms ({nwork / owork:.3f})")
