"""What every server model shares: the inherited listener, the stop signal, the ready
line, and the accept loop."""

import errno
import json
import os
import select
import sys
import threading
import time

from ..measure import now_ns

# From the spec's constants (`configure`), the Rust side's own: the listener's fd, the
# backlog asyncio.start_server listens again with, and the longest request head.
LISTENER_FD = None
BACKLOG = None
MAX_HEAD = None


def configure(constants):
    global LISTENER_FD, BACKLOG, MAX_HEAD
    LISTENER_FD = int(constants["listener_fd"])
    BACKLOG = int(constants["backlog"])
    MAX_HEAD = int(constants["head_limit"])


class Handler:
    """What a server workload gives the server models, beyond serving a connection: the
    defaults of conlab's own handlers (serve-http, serve-tcp), which the user's app
    (`app.ServeApp`) overrides."""

    setup_report = None  # the user's import, timed: only an app of the user's has one

    def user_app(self, interface):
        """The user's app a stack serves instead of its own answer; None: its own."""
        return None

    def in_stack(self):
        """The cell's `client` when a library stack served: what answered."""
        return "the stack's own app: serve-http's answer"


def announce_ready(cell):
    """The ready line: the parent starts the load generator when it reads it."""
    cell.mark_ready()
    sys.stdout.write(json.dumps({"ready_ns": cell.ready_ns}) + "\n")
    sys.stdout.flush()


class Stop:
    """Stdin's end of file: stop accepting. Models register what stopping means to them."""

    def __init__(self):
        self.raised = False
        self.actions = []
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        # The raw descriptor, not sys.stdin: a thread blocked inside sys.stdin holds its
        # lock, and a forked prefork worker closing sys.stdin would wait on it forever.
        # select first: under gevent this thread is a greenlet and the patched select
        # waits on the hub, where a bare os.read would block every greenlet.
        while True:
            select.select([0], [], [])
            if not os.read(0, 65536):
                break
        self.raised = True
        for action in list(self.actions):
            try:
                action()
            except Exception:
                pass


def inherited_listener():
    import socket
    sock = socket.socket(fileno=LISTENER_FD)
    sock.setblocking(True)
    return socket, sock


def new_connection(cell):
    """A slot for the next accepted connection (the accepting thread only)."""
    cell.starts.append(0)
    cell.ends.append(0)
    return len(cell.starts) - 1


def serve_one(server, cell, conn, i, socket):
    cell.starts[i] = now_ns()
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server.serve_sync(conn)
    except Exception as exc:
        cell.task_error(exc)
    finally:
        conn.close()
    cell.ends[i] = now_ns()


def accept_loop(sock, stop, cell, on_connection):
    """Accept until the listener is shut down; out of descriptors is a limit, then a pause."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError as exc:
            if stop.raised or exc.errno in (errno.EINVAL, errno.EBADF):
                return
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                if cell.failure is None:
                    cell.failure = {"kind": "fd-limit",
                                    "message": "stopped accepting at connection %d: %s" % (len(cell.starts), exc),
                                    "at_task": len(cell.starts), "limit": None}
                time.sleep(0.01)
            continue
        on_connection(conn)


def take_share_counts(cell, part):
    for kind, count in part["errors"].items():
        cell.errors[kind] = cell.errors.get(kind, 0) + count
    cell.failed += part["failed"]
    cell.first_error = cell.first_error or part["first_error"]
