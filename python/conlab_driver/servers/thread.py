"""py-thread as a server: an accept loop starting a thread per connection."""

import threading

from ..measure import now_ns, snapshot, spawn_counters
from .common import accept_loop, announce_ready, inherited_listener, new_connection, serve_one


def serve(server, cell, n, model, stop):
    """An accept loop starting a thread per connection (socketserver's ThreadingMixIn
    shape)."""
    socket, sock = inherited_listener()
    stop.actions.append(lambda: sock.shutdown(socket.SHUT_RD))
    cell.runner = "accept loop, a threading.Thread per connection (stack %s)" % (threading.stack_size() or "default")
    threads = []

    def on_connection(conn):
        i = new_connection(cell)
        t = threading.Thread(target=serve_one, args=(server, cell, conn, i, socket))
        try:
            t.start()
        except RuntimeError as exc:
            conn.close()
            cell.ends[i] = cell.starts[i] = now_ns()
            cell.count_errors("not-started", 1, "no thread for the connection")
            if cell.failure is None:
                cell.failure = {"kind": "spawn-limit",
                                "message": "stopped accepting at connection %d: %s" % (i, exc),
                                "at_task": i, "limit": None, "counters": spawn_counters()}
            return
        threads.append(t)
        if len(cell.starts) == n:
            cell.full = snapshot()

    announce_ready(cell)
    accept_loop(sock, stop, cell, on_connection)
    for t in threads:
        t.join()
