"""py-gevent as a server: `gevent.server.StreamServer` on the inherited listener, a
greenlet per connection (or a `gevent.pool.Pool(P)` of them with size=P) running the
workload's blocking handler over patched sockets; it stops accepting at stdin's end and
waits for its connections to end, as the thread server does."""

import time

from ..green import heartbeat
from ..measure import Buckets, snapshot
from .common import announce_ready, inherited_listener, new_connection, serve_one


def serve(server, cell, n, model, stop):
    import gevent
    import gevent.event
    import gevent.pool
    from gevent.server import StreamServer
    socket, sock = inherited_listener()
    size = model.get("workers")
    group = gevent.pool.Pool(int(size) if size else None)  # None: unbounded
    if size:
        cell.concurrency = min(int(size), n)

    def handle(conn, _addr):
        i = new_connection(cell)
        if len(cell.starts) == n:
            cell.full = snapshot()
        serve_one(server, cell, conn, i, socket)

    listener = StreamServer(sock, handle, spawn=group)
    stopped = gevent.event.Event()
    stop.actions.append(stopped.set)  # run by Stop's watcher, a greenlet under the patch
    cell.loop_lag = Buckets()
    done = []
    beat = gevent.spawn(heartbeat, done, cell.loop_lag, time.monotonic, gevent.sleep)
    cell.runner = "gevent.server.StreamServer, %s per connection (gevent %s, stdlib patched)" % (
        "a greenlet of gevent.pool.Pool(%d)" % int(size) if size else "a greenlet", gevent.__version__)
    listener.start()
    announce_ready(cell)
    stopped.wait()
    listener.close()  # stops accepting; the connections' greenlets carry on
    group.join()
    done.append(True)
    beat.join()
