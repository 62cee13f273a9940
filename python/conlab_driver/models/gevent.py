"""py-gevent (and +requests): the workload's ordinary blocking code, each task a greenlet
on one hub over the stdlib `main` monkey-patched first thing (see `green`). A greenlet
per task, spawned and joined as users write it (`gevent.spawn` + `gevent.joinall`), or
`gevent.pool.Pool(P)` with size=P. C code that blocks (sqlite3) stalls the hub and with
it every greenlet: the heartbeat's lag shows it."""

import time

from ..cell import run_one
from ..green import heartbeat
from ..measure import Buckets, snapshot


def run(work, cell, n, model):
    import gevent
    import gevent.pool
    import greenlet
    size = model.get("workers")
    cell.loop_lag = Buckets()
    done = []
    beat = gevent.spawn(heartbeat, done, cell.loop_lag, time.monotonic, gevent.sleep)
    gevent.sleep(0)  # the heartbeat's first timer is set before any task runs
    versions = "gevent %s, greenlet %s" % (gevent.__version__, greenlet.__version__)
    if size:
        cell.concurrency = min(int(size), n)
        cell.runner = "gevent.pool.Pool(%d) for %d greenlets on one hub (%s, stdlib patched)" % (size, n, versions)
        pool = gevent.pool.Pool(int(size))
        cell.mark_ready()
        for i in range(n):
            pool.spawn(run_one, work, cell, i)  # waits for a free slot once the pool is full
            if i + 1 == cell.concurrency:
                cell.full = snapshot()
        if cell.full is None:  # no task (the baseline cell)
            cell.full = snapshot()
        pool.join()
    else:
        cell.runner = "%d greenlets on one hub, gevent.spawn + joinall (%s, stdlib patched)" % (n, versions)
        cell.mark_ready()
        greenlets = [gevent.spawn(run_one, work, cell, i) for i in range(n)]
        cell.full = snapshot()
        gevent.joinall(greenlets)
    done.append(True)
    beat.join()
