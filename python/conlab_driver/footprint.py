"""`python3 -m conlab_driver.footprint FIRST STEP CAP`: what a threading.Thread costs this
interpreter in a driver process. Threads that wait on an Event, started in steps with the
process sampled after each, until a step whose new mappings all lie below the earlier
ones (the rule of `src/measure/ceiling.rs` `settled`) or the cap; and, from a helper
process, one worker forked the way py-process forks its pool, with the memory it holds of
its own once started. What a thread cell imports is imported first, so the base mappings
are a driver process's, not a bare interpreter's. Prints one JSON line."""

import json
import os
import sys
import threading

import conlab_driver.main  # noqa: F401: a driver process's modules
import conlab_driver.models.thread  # noqa: F401

libc = None  # the helper's, for prctl


def sample(n):
    with open("/proc/self/maps") as f:
        maps = sum(1 for _ in f)
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmSize", "VmRSS", "VmPTE"):
                fields[key] = int(rest.split()[0]) * 1024
    return {"threads": n, "maps": maps, "vm": fields.get("VmSize", 0), "rss": fields.get("VmRSS", 0),
            "pte": fields.get("VmPTE", 0)}


def area():
    ranges = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            name = parts[5] if len(parts) > 5 else ""
            if name.startswith("[") and name != "[heap]":
                continue
            lo, hi = parts[0].split("-")
            ranges.append((int(lo, 16), int(hi, 16)))
    ranges.sort()
    widest = max(range(1, len(ranges)), key=lambda i: ranges[i][0] - ranges[i - 1][1], default=0)
    return ranges[widest:]


def settled(before, after):
    if not before:
        return False
    low, old = min(r[0] for r in before), set(before)
    return all(r[0] < low for r in after if r not in old)


def own_memory(pid):
    total = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Private_Clean:", "Private_Dirty:"):
                total += int(parts[1]) * 1024
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmPTE:"):
                total += int(line.split()[1]) * 1024
    return total


def die_with(parent):
    # Both forks below die with the process that forked them (PR_SET_PDEATHSIG = SIGKILL),
    # as every process conlab starts does: a probe killed with its sweep takes them along.
    libc.prctl(1, 9)
    if os.getppid() != parent:
        os._exit(1)


def worker(ready, go, parent):
    die_with(parent)
    os.write(ready, b"r")
    os.read(go, 1)


def main():
    global libc
    first, step, cap = (int(a) for a in sys.argv[1:4])
    # The worker is forked from a helper forked now, before any probe thread: the helper's
    # imports stay out of this process's mappings, and the threads out of the worker's memory.
    result_r, result_w = os.pipe()
    probe = os.getpid()
    helper = os.fork()
    if helper == 0:
        try:
            import ctypes, multiprocessing
            libc = ctypes.CDLL(None)
            die_with(probe)
            ready, go = os.pipe(), os.pipe()
            child = multiprocessing.get_context("fork").Process(target=worker, args=(ready[1], go[0], os.getpid()), daemon=True)
            child.start()
            os.close(ready[1])
            os.read(ready[0], 1)
            own = own_memory(child.pid)
            os.write(go[1], b"g")
            child.join()
            os.write(result_w, str(own).encode())
        finally:
            os._exit(0)
    os.close(result_w)
    release = threading.Event()
    threads, history = [], []
    last = step_result = None
    try:
        target = first
        while step_result is None:
            try:
                while len(threads) < target:
                    t = threading.Thread(target=release.wait, daemon=True)
                    t.start()
                    threads.append(t)
            except RuntimeError:  # a limit struck first: the last whole step is the measure
                if len(history) < 2:
                    raise
                step_result = (history[-2:], False)
                break
            now = (sample(target), area())
            if last is not None:
                steady = settled(last[1], now[1])
                if steady or target >= cap:
                    step_result = ([last[0], now[0]], steady)
            last = now
            history.append(now[0])
            target += step
    finally:
        release.set()
        for t in threads:
            t.join()
    with os.fdopen(result_r, "rb") as f:
        own = f.read()
    os.waitpid(helper, 0)
    if not own:
        sys.exit("the forked worker could not be measured")
    process_bytes = int(own)
    print(json.dumps({"samples": step_result[0], "steady": step_result[1], "process_bytes": process_bytes}))


if __name__ == "__main__":
    main()
