"""py-process: multiprocessing.Pool (fork), one contiguous share per worker, each run one
task at a time; and py-asyncio:procs=P, each worker running its share at once on its own
event loop."""

import os
from array import array

from ..cell import shares_of, take_share
from ..errors import TaskFailed, describe, error_kind
from ..log import REQUESTS
from ..measure import Buckets, now_ns, proc_status, snapshot


class ForkState:
    """What the pool's workers inherit, set before the pool forks: the workload, libc (for
    prctl), the parent's pid, which worker process took each share (shared memory),
    whether a fork is one of the pool's first workers (forked by the main thread, in
    Pool()), and (limit, use_uvloop, eager) when each share runs on an event loop."""

    __slots__ = ("work", "libc", "parent", "owners", "first_workers", "hybrid")

    def __init__(self):
        self.work = self.libc = self.owners = self.hybrid = None
        self.parent = 0
        self.first_workers = False


STATE = ForkState()


def _process_init():
    """Pool initializer: die with the parent (PR_SET_PDEATHSIG = SIGKILL).

    The signal follows the thread that forked, not the process: the pool forks the
    replacement of a dead worker from its worker-handler thread, which ends with the pool,
    and would kill the replacement then, possibly while it holds the task queue's lock. So
    only the first workers ask for it; a replacement ends anyway once the parent is gone
    (its task queue reads EOF)."""
    if STATE.first_workers:
        try:
            if STATE.libc is not None:
                STATE.libc.prctl(1, 9)
        except Exception:
            pass
    if os.getppid() != STATE.parent:  # the parent died before prctl took effect
        os._exit(1)


def _process_share(args):
    share, first, count = args
    STATE.owners[share] = os.getpid()
    if STATE.hybrid is not None:
        from ..aio import async_share
        out = async_share(STATE.work, first, count, *STATE.hybrid)
    else:
        out = _blocking_share(first, count)
    status = proc_status()
    out.update({"first": first, "pid": os.getpid(), "hwm": status.get("VmHWM", 0),
                "vm_peak": status.get("VmPeak", 0), "requests": REQUESTS.take()})
    return out


def _blocking_share(first, count):
    """A py-process worker's share, one task at a time."""
    work = STATE.work
    starts, ends = array("q", bytes(8 * count)), array("q", bytes(8 * count))
    errors, failed, first_error = {}, 0, None
    for k in range(count):
        i = first + k
        starts[k] = now_ns()
        try:
            work.run_sync(i)
        except Exception as exc:
            kind = error_kind(exc)
            failed += 1
            first_error = first_error or describe(exc, kind)
            if not isinstance(exc, TaskFailed):
                errors[kind] = errors.get(kind, 0) + 1
        ends[k] = now_ns()
    return {"starts": starts, "ends": ends, "errors": errors, "failed": failed, "first_error": first_error}


def _collect(pool, pending):
    """Wait for every share, or until the only ones left belong to dead workers (a pool
    never finishes a share whose worker died). Returns the lost shares' indices, and
    whether any worker died."""
    seen = {}
    while True:
        for p in list(getattr(pool, "_pool", ())):
            seen.setdefault(p.pid, p)
        dead = {pid for pid, p in seen.items() if p.exitcode is not None}
        waiting = [k for k, r in enumerate(pending) if not r.ready()]
        if not waiting:
            return [], bool(dead)
        if dead and all(STATE.owners[k] in dead for k in waiting):
            return waiting, True
        pending[waiting[0]].wait(0.1)


def run(work, cell, n, model):
    """py-process: one task at a time per worker."""
    return run_pool(work, cell, n, model["workers"], None)


def run_hybrid(work, cell, n, model):
    """py-asyncio:procs=P: each worker runs its share at once on its own event loop."""
    return run_pool(work, cell, n, model["procs"],
                    (model.get("limit"), model.get("lib") == "uvloop", bool(model.get("eager"))))


def run_pool(work, cell, n, workers, hybrid):
    """multiprocessing.Pool with one contiguous share per worker, run one task at a time;
    with `hybrid` = (limit, use_uvloop, eager), each worker runs its share at once on its
    own event loop."""
    import ctypes
    import multiprocessing
    # What Pool() and its workers' start import on first use, imported before the mark.
    import multiprocessing.pool
    import multiprocessing.popen_fork
    import multiprocessing.queues
    import multiprocessing.synchronize
    STATE.work = work
    STATE.hybrid = hybrid
    try:
        STATE.libc = ctypes.CDLL(None)
    except OSError:
        STATE.libc = None
    STATE.parent = os.getpid()
    # The baseline (0 tasks) starts every worker too: their fixed cost is the model's.
    workers = max(1, min(int(workers), n) if n else int(workers))
    method = "fork"
    ctx = multiprocessing.get_context(method)
    shares = shares_of(n, workers)
    STATE.owners = ctx.Array("q", max(1, len(shares)), lock=False)
    cell.runner = "multiprocessing.Pool(%d), start method %s, one contiguous share per worker" % (workers, method)
    cell.concurrency = workers
    if hybrid is not None:
        from ..aio import loop_name
        cell.runner += ", each share's tasks at once on the worker's own %s" % loop_name(hybrid[1], hybrid[2])
        cell.concurrency = n
        cell.loop_lag = Buckets()
    cell.mark_ready()
    STATE.first_workers = True
    pool = ctx.Pool(workers, initializer=_process_init)
    STATE.first_workers = False
    try:
        pending = [pool.apply_async(_process_share, (s,)) for s in shares]
        cell.full = snapshot()
        lost, died = _collect(pool, pending)
        results = [r.get() for k, r in enumerate(pending) if k not in lost]
    except BaseException:
        pool.terminate()
        raise
    if died:
        # Pool.terminate() can hang once a worker died: a worker killed while waiting for
        # a task held the task queue's lock for good. So the pool is left as it is and the
        # driver ends with os._exit once it has reported; the workers follow it.
        cell.abandoned = pool
    else:
        pool.terminate()
    peaks = {}
    for r in results:
        take_share(cell, r["first"], r, r["pid"], r["hwm"])
        hwm, vm_peak = peaks.get(r["pid"], (0, 0))
        peaks[r["pid"]] = (max(hwm, r["hwm"]), max(vm_peak, r["vm_peak"]))
        if r["requests"]:
            cell.worker_requests.append(r["requests"])
    for hwm, vm_peak in peaks.values():  # a worker that ran two shares counts once
        cell.worker_hwm += hwm
        cell.worker_vm_peak += vm_peak
    if lost:
        count = sum(shares[k][2] for k in lost)
        message = "a worker process ended without a report (%d tasks lost)" % count
        cell.count_errors("worker-crashed", count, message)
        cell.failure = {"kind": "worker-crashed", "message": message, "at_task": None,
                        "limit": None, "counters": None}
