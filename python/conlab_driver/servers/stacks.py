"""What the library server stacks share (http.server, aiohttp.web, uvicorn, gunicorn): the
serve-http handler's answer as each stack's own app gives it (or the user's app in its
place, serve-app), the per-request count
that stands for the cell's tasks (a stack owns its connections; conlab sees the requests
its app answers), each worker process's count sent back at its exit, and the record of
the stack that served.

A stack's cell counts requests, not connections: each request the app answers is a task
(its start and end in the app, so `peak_in_flight` is the most requests the app held at
once), and the distinct client addresses it saw are the stack's `connections`."""

import json
import os
import threading
from array import array

from ..measure import in_flight, now_ns, proc_status

TASKS = "tasks are the requests the app answered"


class Answer:
    """serve-http's answer, as the stacks' apps send it: `latency` seconds of waiting,
    then 200 with `bytes` bytes (the same status, headers and body as conlab's own
    handler)."""

    def __init__(self, server):
        self.latency = server.latency
        self.blocking = server.blocking
        self.body = server.response.split(b"\r\n\r\n", 1)[1]
        self.content_type = "application/octet-stream"
        self.headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]


def app_of(server, interface, own):
    """The app a stack serves: the user's (serve-app, its requests counted) or, for
    serve-http, conlab's answer as the stack's own `own(Answer)` builds it."""
    user = server.user_app(interface)
    return own(Answer(server)) if user is None else user


class Requests:
    """One process's requests: start and end times, the peers they came from, errors.
    Safe from many threads; the greenlets and tasks of one thread never wait on its lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.starts, self.ends, self.peers = [], [], set()
        self.errors, self.failed, self.first_error = {}, 0, None
        self.seen = {}  # what the worker learnt of its stack while serving (its loop)

    def begin(self, peer):
        with self.lock:
            self.starts.append(now_ns())
            self.ends.append(0)
            if peer:
                self.peers.add("%s:%s" % tuple(peer[:2]))
            return len(self.starts) - 1

    def end(self, i):
        self.ends[i] = now_ns()

    def fail(self, exc):
        from ..errors import describe, error_kind
        kind = error_kind(exc)
        with self.lock:
            self.failed += 1
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.first_error = self.first_error or describe(exc, kind)

    def part(self):
        """This process's share, as a worker sends it back."""
        status = proc_status()
        with self.lock:
            return {"pid": os.getpid(), "starts": list(self.starts), "ends": list(self.ends),
                    "peers": sorted(self.peers), "errors": dict(self.errors), "failed": self.failed,
                    "first_error": self.first_error, "seen": dict(self.seen),
                    "hwm": status.get("VmHWM", 0), "vm_peak": status.get("VmPeak", 0)}

    directory = None  # where a multi-process stack's workers leave their shares
    master = None  # the pid of the process that reads them

    def dump_if_worker(self):
        """In a worker, write its share (at its exit) into the directory: worker-PID.json,
        written again if a second hook comes later."""
        if self.directory is None or os.getpid() == self.master:
            return
        path = os.path.join(self.directory, "worker-%d.json" % os.getpid())
        with open(path + ".tmp", "w") as f:
            json.dump(self.part(), f)
        os.rename(path + ".tmp", path)


REQUESTS = Requests()


def _fold(cell, part, peers):
    cell.starts.extend(array("q", part["starts"]))
    cell.ends.extend(array("q", part["ends"]))
    for kind, count in part["errors"].items():
        cell.errors[kind] = cell.errors.get(kind, 0) + count
    cell.failed += part["failed"]
    cell.first_error = cell.first_error or part["first_error"]
    peers.update(part["peers"])


def take_own(cell, stack):
    """The cell's tasks from this process's own requests (a single-process stack)."""
    peers = set()
    _fold(cell, REQUESTS.part(), peers)
    stack["connections"] = len(peers) or None


def take_workers(cell, stack, directory):
    """The cell's tasks from every worker's share in `directory`, each worker recorded in
    the cell's shares (pid, requests, peak in flight, peak RSS). What the first worker
    learnt of its stack (its loop, its parser) goes into `stack`."""
    peers = set()
    names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    for name in names:
        with open(os.path.join(directory, name)) as f:
            part = json.load(f)
        first = len(cell.starts)
        _fold(cell, part, peers)
        cell.worker_hwm += part["hwm"]
        cell.worker_vm_peak += part["vm_peak"]
        peak, _ = in_flight(array("q", part["starts"]), array("q", part["ends"]))
        cell.shares.append({"pid": part["pid"], "first_task": first, "tasks": len(part["starts"]),
                            "tasks_failed": part["failed"], "peak_rss_bytes": part["hwm"],
                            "peak_in_flight": peak})
        for key, value in part["seen"].items():
            if stack.get(key) is None:
                stack[key] = value
    missing = stack["workers"] - len(names)
    if missing > 0:  # not tasks: the requests it answered are lost with it
        cell.errors["worker-crashed"] = cell.errors.get("worker-crashed", 0) + missing
        cell.first_error = cell.first_error or "worker-crashed: %d worker(s) ended without a report" % missing
    stack["connections"] = len(peers) or None


def record(server, version, worker_class, workers=1, threads=None, parser=None, loop=None):
    """The stack a cell ran, as its report carries it."""
    return {"server": server, "version": version, "worker_class": worker_class, "workers": workers,
            "threads": threads, "parser": parser, "loop": loop, "connections": None}


def loop_of(loop):
    """`uvloop 0.21.0` or `asyncio (selector)`: the running event loop's kind."""
    module = type(loop).__module__.split(".")[0]
    if module == "uvloop":
        import uvloop
        return "uvloop %s" % uvloop.__version__
    return "asyncio %s" % type(loop).__name__


def version(name):
    from ..probe import version_of
    return version_of(name)
