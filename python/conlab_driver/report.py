"""The report line: the one JSON line a cell prints on stdout, built here and nowhere else
(`src/protocol.rs` `ChildReport` reads it; a field not known there is an error)."""

import json
import sys

from .log import REQUESTS, merge_requests
from .measure import in_flight, now_ns, proc_status, task_bins, task_wires


def interpreter():
    return "%s %s" % (sys.implementation.name, sys.version.split()[0])


def line(cell, tasks, runner, client, requests, status, ran=True, user_setup=None):
    """Every field of the line, from the cell: for a cell whose tasks ran (`ran`), the
    per-task distributions and the in-flight sweep too, after `status` was read (their
    memory is not the cell's)."""
    finished = max(cell.ends) if tasks else now_ns() if ran else cell.ready_ns
    started = max(cell.starts) if tasks else cell.ready_ns
    bins = task_bins(cell.starts, cell.ends, cell.ready_ns) if ran and cell.bins_on else None
    wires = task_wires(cell) if ran else ([], [], None)
    peak, total = in_flight(cell.starts, cell.ends) if ran else (None, None)
    return {
        "ready_ns": cell.ready_ns,
        "started_ns": max(started, cell.ready_ns),
        "finished_ns": max(finished, cell.ready_ns),
        "tasks_ok": tasks - cell.failed,
        "tasks_failed": cell.failed,
        "errors": cell.errors,
        "first_error": cell.first_error,
        "task_latency_us": wires[0],
        "start_lag_us": wires[1],
        "caller_latency_us": wires[2],
        "peak_in_flight": peak,
        "task_ns_total": total,
        "loop_lag_us": cell.loop_lag.wire() if cell.loop_lag is not None else None,
        "task_bins": bins,
        "workers": cell.shares or None,
        "failure": cell.failure,
        "user_setup": user_setup,
        "runner": "%s (%s)" % (runner, interpreter()),
        "client": client,
        "stack": cell.stack,
        "requests": requests,
        "concurrency": cell.concurrency,
        "hwm_bytes": status.get("VmHWM", 0) + cell.worker_hwm,
        "vm_peak_bytes": status.get("VmPeak", 0) + cell.worker_vm_peak,
        "full": cell.full,
        "checksum": 0,
    }


def write(report):
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


def setup_failed(message):
    """The report of a cell whose workload could not be prepared: no task ran."""
    from .cell import Cell
    cell = Cell(0)
    cell.concurrency = 0
    cell.failure = {"kind": "setup", "message": message, "at_task": None, "limit": None, "counters": None}
    write(line(cell, 0, "nothing ran", None, None, proc_status(), ran=False))
    return 0


def finished(cell, tasks, client, user_setup):
    """The report of a cell whose tasks ran (or whose server served)."""
    status = proc_status()  # before the analysis in `line`, whose memory is not the cell's
    write(line(cell, tasks, cell.runner, client, merge_requests([REQUESTS.take()] + cell.worker_requests),
               status, user_setup=user_setup))
