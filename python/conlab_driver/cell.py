"""What a model reports into (`Cell`), and the steps every model shares: running one task
on the calling thread, cutting the tasks into workers' shares and folding a share back."""

import threading
from array import array

from .errors import TaskFailed, describe, error_kind
from .measure import in_flight, now_ns, reset_peak


class Cell:
    """What a model reports into: per-task start and end times, errors by kind."""

    def __init__(self, tasks):
        self.starts = array("q", bytes(8 * tasks))
        self.ends = array("q", bytes(8 * tasks))
        self.lock = threading.Lock()
        self.errors = {}
        self.failed = 0
        self.first_error = None
        self.full = None
        self.ready_ns = now_ns()
        self.failure = None
        self.worker_hwm = 0
        self.worker_vm_peak = 0
        self.worker_requests = []
        self.runner = ""
        self.concurrency = tasks
        self.loop_lag = None  # Buckets, for the asyncio models
        self.abandoned = None  # a process pool that must not be shut down (see model_process)
        self.shares = []  # each worker's share, for the models that split the tasks
        self.stack = None  # the library server stack that served (servers/stacks.py)
        self.bins_on = False  # count tasks per time bin (the spec's `series`)

    def mark_ready(self):
        """The ready mark: the tasks start from here. The process's peak RSS starts again
        from its current RSS, so the cell's peak is its work's and not its start-up's, as
        in a Rust cell (the parent's sampler keeps to the same window)."""
        reset_peak()
        self.ready_ns = now_ns()

    def task_error(self, exc):
        kind = error_kind(exc)
        with self.lock:
            self.failed += 1
            if self.first_error is None:
                self.first_error = describe(exc, kind)
            if not isinstance(exc, TaskFailed):  # else counted per request already
                self.errors[kind] = self.errors.get(kind, 0) + 1

    def count_errors(self, kind, count, message):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + count
            self.failed += count
            if self.first_error is None:
                self.first_error = "%s: %s" % (kind, message)


def run_one(work, cell, i):
    cell.starts[i] = now_ns()
    try:
        work.run_sync(i)
    except Exception as exc:
        cell.task_error(exc)
    cell.ends[i] = now_ns()


def shares_of(n, parts):
    """(index, first task, count) of `parts` contiguous shares of n tasks."""
    return [(w, w * n // parts, (w + 1) * n // parts - w * n // parts) for w in range(parts)] if n else []


def take_share(cell, first, part, pid, hwm=None):
    """Fold one worker's share into the cell and record it in the cell's shares."""
    count = len(part["starts"])
    cell.starts[first:first + count] = part["starts"]
    cell.ends[first:first + count] = part["ends"]
    for kind, n in part["errors"].items():
        cell.errors[kind] = cell.errors.get(kind, 0) + n
    cell.failed += part["failed"]
    cell.first_error = cell.first_error or part["first_error"]
    if part.get("loop_lag"):
        cell.loop_lag.add_wire(part["loop_lag"])
    peak, _ = in_flight(part["starts"], part["ends"])  # sorts the share's arrays: their last use
    cell.shares.append({"pid": pid, "first_task": first, "tasks": count, "tasks_failed": part["failed"],
                        "peak_rss_bytes": hwm, "peak_in_flight": peak})
