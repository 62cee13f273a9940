#!/usr/bin/env python3
"""Regenerate src/bin/conlab-cell.ld: a linker script that places the functions of
conlab-cell that run during a cell's work together (build.rs, src/measure/image.rs say why).

    python3 scripts/cell-order.py [--check]

Runs the release conlab-cell under valgrind's callgrind on each Rust model with the
sleep, cpu, mixed, http and tcp workloads (a few tasks each, against a `conlab serve`
this script starts and stops), and keeps the functions that executed between the ready
mark and the end of the work: callgrind dumps its counts before each `madvise` (the
first is the mark, where the cell drops its code pages) and before `malloc_trim` (the
end of the work). Needs valgrind and `cargo build --release --bins` first. Functions
the sleep workload runs come first, then those more models run, and each model's own
ones stay together, so a cell touches as few 64 KiB windows of the binary as possible.

The script names each function's section by a pattern with the parts of its symbol that
change from build to build left out (the hash of a legacy Rust symbol, the crate
disambiguators of a v0 one, the suffixes LTO adds), so `cargo build` and `cargo test`
builds, whose dependencies are compiled with different features, match it alike.

--check: how much of the built conlab-cell's code the patterns match, change nothing.
"""
import glob
import json
import re
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CELL = os.path.join(ROOT, "target/release/conlab-cell")
CONLAB = os.path.join(ROOT, "target/release/conlab")
SCRIPT = os.path.join(ROOT, "src/bin/conlab-cell.ld")

MODELS = [
    {"kind": "rs-thread", "stack": None},
    {"kind": "rs-pool", "size": None},
    {"kind": "rs-async", "workers": None},
    {"kind": "rs-async-st"},
]
NONE = {"server": None, "urls": [], "tcp": None}


def workloads(http, tcp):
    target = {"server": http, "urls": [], "tcp": tcp}
    return [
        ({"kind": "sleep", "duration_ns": 200_000_000}, NONE),
        ({"kind": "cpu", "iterations": 10_000}, NONE),
        ({"kind": "mixed", "io_ns": 10_000_000, "cpu": 1000, "steps": 2}, NONE),
        ({"kind": "http", "latency_ns": 10_000_000, "bytes": 128, "requests": 2, "duration_ns": None,
          "keepalive": True, "timeout_ns": 10_000_000_000, "rate": None}, target),
        ({"kind": "tcp", "hold_ns": 100_000_000, "interval_ns": 20_000_000, "bytes": 16}, target),
    ]


def executed(prefix):
    """Functions of conlab-cell with their own cost in the dumps from the mark to the end of
    the work (one callgrind run's files, named PREFIX.N)."""
    files = sorted(glob.glob(prefix + ".*"), key=lambda p: int(p.rsplit(".", 1)[1]))
    names = set()
    for path in files[1:]:  # part 1 is the set-up, up to the first madvise
        ob = fn = trigger = None
        call_cost = False
        for line in open(path, errors="replace"):
            if line.startswith("desc: Trigger:"):
                trigger = line
            elif line.startswith("ob="):
                ob = line[3:].strip()
            elif line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                call_cost = True  # the next cost line is the callee's, not this function's
            elif line[:1].isdigit() or line[:1] in "+-*":
                if call_cost:
                    call_cost = False
                elif fn and ob and (ob.endswith("conlab-cell") or ob == "???"):
                    names.add(fn)  # valgrind names code outside .text's range by its symbol alone
        if trigger and "malloc_trim" in trigger:
            break
    return names


def profile(spec, workdir):
    prefix = os.path.join(workdir, "cg")
    for f in glob.glob(prefix + "*"):
        os.remove(f)
    subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--dump-instr=no",
                    "--compress-strings=no", "--compress-pos=no", "--dump-before=madvise",
                    "--dump-before=malloc_trim", f"--callgrind-out-file={prefix}", CELL, "cell"],
                   input=json.dumps(spec), text=True, capture_output=True, check=True, timeout=300)
    return executed(prefix)


def serve():
    """Start `conlab serve` (HTTP and TCP echo, free ports); returns (process, url, address)."""
    proc = subprocess.Popen([CONLAB, "serve", "--latency", "10ms", "--tcp-listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    try:
        addresses = json.loads(line)
        return proc, addresses["http"], addresses["tcp"]
    except (ValueError, KeyError, TypeError):
        proc.kill()
        proc.wait()
        sys.exit(f"cell-order: `conlab serve` printed {line!r}, not its addresses")


def pattern(symbol):
    """A pattern for a function's symbol, free of its build-specific parts."""
    symbol = re.sub(r"'\d+$", "", symbol)  # callgrind's mark for a recursive call
    symbol = re.sub(r"(\.llvm)?\.\d+$", "*", symbol)
    symbol = re.sub(r"17h[0-9a-f]{16}E$", "17h*E", symbol)
    return re.sub(r"Cs[0-9A-Za-z]+_", "Cs*_", symbol)


def text_symbols():
    """(name, size) of each function in the built conlab-cell."""
    out = subprocess.run(["nm", "-S", "--defined-only", CELL], capture_output=True, text=True, check=True).stdout
    return [(p[3], int(p[1], 16)) for p in (l.split() for l in out.splitlines()) if len(p) == 4 and p[2] in "tT"]


def patterns_in_script():
    return re.findall(r"\*\(\.text\.(\S+) ", open(SCRIPT).read())


def check():
    patterns = patterns_in_script()
    regex = re.compile("|".join(re.escape(p).replace(r"\*", ".*") for p in patterns) + "$")
    hits = [(n, s) for n, s in text_symbols() if regex.match(n)]
    print(f"{len(patterns)} patterns match {len(hits)} functions, {sum(s for _, s in hits):,} bytes")


# Code that runs only when threads truly run at once, which callgrind (one thread at a
# time) never sees: the slow paths of std's locks and tokio's work stealing.
CONTENDED = re.compile(r"lock_contended|read_contended|write_contended|wake_writer_or_readers|steal_into|push_overflow")


def main():
    if "--check" in sys.argv:
        check()
        return
    own = {name for name, _ in text_symbols()}  # the binary is not relinked while this runs
    server, http, tcp = serve()
    used = {}  # pattern -> {(model, workload)} that ran it
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for model in MODELS:
                for workload, target in workloads(http, tcp):
                    tasks = 200 if workload["kind"] == "sleep" else 20
                    spec = {"workload": workload, "model": model, "lib": None, "tasks": tasks, "target": target}
                    names = {n for n in profile(spec, workdir) if re.sub(r"'\d+$", "", n) in own}
                    print(f"{model['kind']:<12} {workload['kind']:<6} {len(names):>4} functions", file=sys.stderr)
                    for name in names:
                        used.setdefault(pattern(name), set()).add((model["kind"], workload["kind"]))
    finally:
        server.kill()  # it holds nothing that needs a clean stop
        server.wait()
    # The sleep workload's code first (the accuracy figures rest on it), then the rest;
    # within each, code more models run first, and each model's own code together.
    for name in own:
        if CONTENDED.search(name):
            used.setdefault(pattern(name), set()).update((m["kind"], "sleep") for m in MODELS)
    rank = [m["kind"] for m in MODELS]

    def key(p):
        models = {m for m, _ in used[p]}
        return (all(w != "sleep" for _, w in used[p]), -len(models), sorted(rank.index(m) for m in models), p)

    order = sorted(used, key=key)
    text = "".join(f"    *(.text.{p} .text.unlikely.{p})\n" for p in order)
    jump_tables = "".join(f"    *(.rodata.{p})\n" for p in order)
    with open(SCRIPT, "w") as f:
        f.write(f"""/* Written by scripts/cell-order.py: the code conlab-cell runs during a cell's work, and
   the constants and jump tables it reads, each placed together ahead of the rest
   (src/measure/image.rs). */
SECTIONS {{
  .text.conlab.work : {{
    *(.text.hot.conlab)
{text}  }}
}}
INSERT BEFORE .text;
SECTIONS {{
  .rodata.conlab.work : {{
    *(.rodata.cst4) *(.rodata.cst8) *(.rodata.cst16) *(.rodata.cst32)
{jump_tables}  }}
}}
INSERT BEFORE .rodata;
""")
    print(f"{len(order)} patterns -> {os.path.relpath(SCRIPT, ROOT)}", file=sys.stderr)
    check()


if __name__ == "__main__":
    main()
