"""py-process as a server: prefork workers sharing the listening socket (gunicorn's sync
workers)."""

from array import array

from ..cell import Cell
from ..measure import in_flight, proc_status, snapshot
from .common import accept_loop, announce_ready, inherited_listener, new_connection, serve_one, take_share_counts


def _prefork_worker(server, sock, socket, pipe):
    """One prefork worker: accept and serve one connection at a time until the shared
    socket is shut down, then send back what it saw."""
    cell = Cell(0)
    stop = type("NoStop", (), {"raised": False})()
    accept_loop(sock, stop, cell, lambda conn: serve_one(server, cell, conn, new_connection(cell), socket))
    status = proc_status()
    pipe.send({"starts": list(cell.starts), "ends": list(cell.ends), "errors": cell.errors,
               "failed": cell.failed, "first_error": cell.first_error, "failure": cell.failure,
               "hwm": status.get("VmHWM", 0), "vm_peak": status.get("VmPeak", 0)})
    pipe.close()


def serve(server, cell, n, model, stop):
    """py-process: prefork workers sharing the listening socket, each serving one
    connection at a time (gunicorn's sync workers)."""
    import multiprocessing
    socket, sock = inherited_listener()
    stop.actions.append(lambda: sock.shutdown(socket.SHUT_RD))
    ctx = multiprocessing.get_context("fork")
    size = int(model["workers"])
    cell.runner = "%d prefork worker processes (fork), each serving one connection at a time" % size
    cell.concurrency = size
    procs = []
    for _ in range(size):
        mine, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_prefork_worker, args=(server, sock, socket, theirs))
        proc.start()
        theirs.close()
        procs.append((proc, mine))
    announce_ready(cell)
    cell.full = snapshot()
    for proc, pipe in procs:
        try:
            part = pipe.recv()
        except EOFError:
            proc.join()
            cell.count_errors("worker-crashed", 1, "a worker process ended without a report")
            continue
        proc.join()
        first = len(cell.starts)
        cell.starts.extend(part["starts"])
        cell.ends.extend(part["ends"])
        cell.failure = cell.failure or part["failure"]
        cell.worker_hwm += part["hwm"]
        cell.worker_vm_peak += part["vm_peak"]
        take_share_counts(cell, part)
        peak, _ = in_flight(array("q", part["starts"]), array("q", part["ends"]))
        cell.shares.append({"pid": proc.pid, "first_task": first, "tasks": len(part["starts"]),
                            "tasks_failed": part["failed"], "peak_rss_bytes": part["hwm"],
                            "peak_in_flight": peak})
