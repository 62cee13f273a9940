"""Per-request latencies and failures, shared by every task of a process, and merged
across the cell's processes."""

import threading

from .errors import TaskFailed, failure_message, status_kind
from .measure import Buckets, now_ns


class RequestLog:
    """Per-request latencies and failures by kind, shared by every task of the process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.latency = Buckets()
        self.ok_count = 0
        self.errors = {}
        self.first_error = None

    def ok(self, sent_ns):
        us = (now_ns() - sent_ns) // 1000
        with self.lock:
            self.ok_count += 1
            self.latency.record(us)

    def failed(self, kind, message):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if self.first_error is None:
                self.first_error = "%s: %s" % (kind, message)

    def take(self):
        """The log as shipped (None when nothing was requested), and a fresh log."""
        with self.lock:
            if not self.ok_count and not self.errors:
                return None
            out = {
                "ok": self.ok_count,
                "failed": sum(self.errors.values()),
                "errors": dict(self.errors),
                "first_error": self.first_error,
                "latency_us": self.latency.wire(),
            }
            self.reset()
            return out


REQUESTS = RequestLog()


def answered(status, sent_ns, first):
    """Log a response by its status; returns the task's first failure so far."""
    kind = status_kind(status)
    if kind:
        REQUESTS.failed(kind, "status %d" % status)
        return first or TaskFailed(kind, "status %d" % status)
    REQUESTS.ok(sent_ns)
    return first


def request_failed(kind, exc, first, timeout, what=None):
    """Log a failed request; returns the task's first failure so far. The message is
    worded as the Rust models word it (see `failure_message`)."""
    message = failure_message(kind, exc, timeout, what)
    REQUESTS.failed(kind, message)
    return first or TaskFailed(kind, message)


def merge_requests(parts):
    """The request logs of the cell's processes as one: counts and wires added."""
    parts = [p for p in parts if p]
    if not parts:
        return None
    latency = Buckets()
    out = {"ok": 0, "failed": 0, "errors": {}, "first_error": None}
    for p in parts:
        out["ok"] += p["ok"]
        out["failed"] += p["failed"]
        for k, v in p["errors"].items():
            out["errors"][k] = out["errors"].get(k, 0) + v
        out["first_error"] = out["first_error"] or p["first_error"]
        latency.add_wire(p["latency_us"])
    out["latency_us"] = latency.wire()
    return out
