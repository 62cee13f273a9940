"""py-pool as a server: an accept loop submitting each connection to a ThreadPoolExecutor."""

from ..measure import snapshot
from .common import accept_loop, announce_ready, inherited_listener, new_connection, serve_one


def serve(server, cell, n, model, stop):
    """An accept loop submitting each connection to a ThreadPoolExecutor; a connection
    waits for a free thread."""
    from concurrent.futures import ThreadPoolExecutor
    socket, sock = inherited_listener()
    stop.actions.append(lambda: sock.shutdown(socket.SHUT_RD))
    size = int(model["workers"])
    cell.runner = "accept loop into ThreadPoolExecutor(max_workers=%d)" % size
    cell.concurrency = min(size, n) if n else size
    with ThreadPoolExecutor(max_workers=size) as pool:
        def on_connection(conn):
            i = new_connection(cell)
            pool.submit(serve_one, server, cell, conn, i, socket)
            if len(cell.starts) == n:
                cell.full = snapshot()
        announce_ready(cell)
        accept_loop(sock, stop, cell, on_connection)
