#!/usr/bin/env python3
"""Peak RSS of the same cells under two conlab builds, alternated: OLD vs NEW binaries.

Usage: python3 benches/ab_rss.py ROUNDS  (set OLD to a conlab built from an earlier commit,
e.g. `git worktree add /tmp/oldtree REV; CARGO_TARGET_DIR=/tmp/oldtarget cargo build --release --bins`).
"""
import json, subprocess, statistics, tempfile, sys
import os
OLD = os.environ.get("OLD", "/tmp/oldtarget/release/conlab")
NEW = os.environ.get("NEW", "./target/release/conlab")
cases=[("rs-thread",1000),("rs-async",10000),("py-asyncio",1000)]
res={}
for r in range(int(sys.argv[1])):
    for model,n in cases:
        for tag,exe in (("old",OLD),("new",NEW)):
            with tempfile.TemporaryDirectory() as d:
                subprocess.run([exe,"bench","--workload","sleep:1s","--models",model,"--tasks",str(n),"--out",d+"/o"],capture_output=True)
                c=json.load(open(d+"/o/results.json"))["cells"][0]
            res.setdefault((model,n,tag),[]).append(c["peak_rss_bytes"]//1024)
for model,n in cases:
    o=statistics.median(res[(model,n,"old")]); w=statistics.median(res[(model,n,"new")])
    print(f"{model:<11}{n:>7}  before {o:>8.0f} KiB  after {w:>8.0f} KiB  after/before {w/o:.3f}")
