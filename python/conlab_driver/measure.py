"""Measurement inside a cell: the clock, the peak-RSS reset at the ready mark, latency
buckets laid out as the Rust hdrhistogram crate lays them (the layout arrives in the
spec, from the Rust constants), /proc snapshots, and the in-flight sweep over the
per-task start and end times."""

import heapq
import os
import time
from array import array
from itertools import chain, islice


def now_ns():
    return time.monotonic_ns()


def reset_peak():
    """Restart this process's VmHWM from its current RSS (5 to /proc/self/clear_refs,
    Linux 4.0+); where the kernel refuses, the peak stays the one since start."""
    try:
        fd = os.open("/proc/self/clear_refs", os.O_WRONLY)
    except OSError:
        return
    try:
        os.write(fd, b"5")
    except OSError:
        pass
    finally:
        os.close(fd)


# The bucket layout, set from the spec's (`set_layout`) before any value is recorded: the
# largest value tracked (values above saturate there, beyond the power of two above it)
# and the significant bits of a bucket's key.
HDR_TOP = None
TOP_BITS = None
SUB_BITS = None
SUB_MASK = None


def set_layout(layout):
    """Take the bucket layout conlab sends ({"top": us, "sub_bucket_bits": b})."""
    global HDR_TOP, TOP_BITS, SUB_BITS, SUB_MASK
    HDR_TOP = int(layout["top"])
    TOP_BITS = HDR_TOP.bit_length()
    SUB_BITS = int(layout["sub_bucket_bits"])
    SUB_MASK = (1 << SUB_BITS) - 1


def hdr_key(us):
    """The lowest value of the HDR bucket that holds `us` (3 significant digits, 1 us..1 h).
    Comparisons rather than min() and max(): it runs once per task and per request."""
    v = int(us)
    if v < 1:
        v = 1
    elif v >> TOP_BITS:
        v = HDR_TOP
    shift = (v | SUB_MASK).bit_length() - SUB_BITS  # v | SUB_MASK has at least SUB_BITS bits
    return v >> shift << shift


class Buckets:
    """Counts per HDR bucket, in microseconds: compact at any count, summarised by conlab."""

    __slots__ = ("counts",)

    def __init__(self):
        self.counts = {}

    def record(self, us):
        counts, key = self.counts, hdr_key(us)
        counts[key] = counts.get(key, 0) + 1

    def add_wire(self, pairs):
        counts = self.counts
        for value, n in pairs:
            key = hdr_key(value)
            counts[key] = counts.get(key, 0) + n

    def wire(self):
        return [[key, n] for key, n in sorted(self.counts.items())]


def proc_status():
    out = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "VmSize", "VmPeak", "VmPTE", "Threads"):
                    parts = rest.split()
                    out[key] = int(parts[0]) * (1024 if len(parts) > 1 else 1)
    except OSError:
        pass
    return out


def snapshot():
    s = proc_status()
    try:
        fds = len(os.listdir("/proc/self/fd"))
    except OSError:
        fds = 0
    return {"rss": s.get("VmRSS", 0), "vm": s.get("VmSize", 0), "pte": s.get("VmPTE", 0),
            "threads": s.get("Threads", 0), "fds": fds}


def spawn_counters():
    """What conlab needs to name the limit a failed thread start hit; None without /proc."""
    try:
        with open("/proc/self/maps") as f:
            maps = sum(1 for _ in f)
        with open("/proc/loadavg") as f:
            alive = int(f.read().split()[3].split("/")[1])
        return {"maps": maps, "threads_alive": alive}
    except (OSError, ValueError, IndexError):
        return None


def task_wires(cell):
    """Per-task latency (end - start), start lag (start - ready) and caller latency (end -
    ready: how long the caller who submitted the batch at the ready mark waits for the
    task, queueing and start lag included), in us, as wires. One pass over the per-task
    arrays, after the work; tasks that never ran (end 0) are left out."""
    latency, lag, caller = Buckets(), Buckets(), Buckets()
    record_latency, record_lag, record_caller, ready = latency.record, lag.record, caller.record, cell.ready_ns
    for s, e in zip(cell.starts, cell.ends):
        if e:
            record_latency((e - s) // 1000)
            record_lag((s - ready) // 1000)
            record_caller((e - ready) // 1000)
    return latency.wire(), lag.wire(), caller.wire()


SORT_CHUNK = 1 << 16  # values sorted at once: bounds the sort's transient ints to ~3 MB


def sorted_in_place(a):
    """The array `a` sorted in place a chunk at a time, and an iterator over it in order
    (the chunks merged). Sorting all of it at once would hold a list of ints, 40 bytes a
    value, and the cell's measured peak memory would include it."""
    cuts = range(0, len(a), SORT_CHUNK)
    for i in cuts:
        a[i:i + SORT_CHUNK] = array("q", sorted(a[i:i + SORT_CHUNK]))
    return heapq.merge(*(islice(a, i, i + SORT_CHUNK) for i in cuts))


def in_flight(starts, ends):
    """(peak, total ns) over the tasks that ran: the most started and not yet finished at
    any instant, and the sum of their run times (over the work time, the mean number in
    flight: Little's law). Exact, across py-process workers too (one CLOCK_MONOTONIC):
    starts and ends sorted, then swept in time order, an end at the same ns as a start
    counted before it (a pool thread's next task does not overlap its last). A task that
    never ran has start and end 0 and is skipped. Sorts both arrays in place, so it is their
    last use; about 1.5 s and 3 MB at 1,000,000 tasks."""
    total = sum(ends) - sum(starts)
    done = chain(filter(None, sorted_in_place(ends)), (1 << 63,))  # a sentinel after the last end
    end = next(done)
    peak = running = 0
    for t in filter(None, sorted_in_place(starts)):
        while end <= t:
            running -= 1
            end = next(done)
        running += 1
        if running > peak:
            peak = running
    return peak, total


MAX_BINS = 400  # src/measure/bins.rs MAX_BINS
FIRST_WIDTH_NS = 1000000  # 1 ms, as there


def task_bins(starts, ends, ready_ns):
    """Tasks started and ended per time bin from the ready mark, as `measure::bins` counts
    them in a Rust cell: 1 ms bins, doubled until the latest time fits MAX_BINS of them
    (the same bins the Rust side's pairwise merging ends with). A task that never ran
    (start 0) is skipped; one that never ended counts as started only. Two passes over the
    arrays and no list per task (the parent still samples the cell's memory meanwhile);
    before `in_flight`, which sorts them."""
    latest, ran = 0, False
    for s, e in zip(starts, ends):
        if s:
            ran = True
            t = (e if e > s else s) - ready_ns
            if t > latest:
                latest = t
    width = FIRST_WIDTH_NS
    while latest // width >= MAX_BINS:
        width *= 2
    size = latest // width + 1 if ran else 0
    started, completed = [0] * size, [0] * size
    for s, e in zip(starts, ends):
        if s:
            started[max(s - ready_ns, 0) // width] += 1
            if e:
                completed[max((e if e > s else s) - ready_ns, 0) // width] += 1
    return {"width_us": width // 1000, "started": started, "completed": completed}
