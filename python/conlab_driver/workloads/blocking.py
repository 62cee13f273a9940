"""`blocking`: a real sync-only library call (sqlite3), on the event loop or offloaded
(under py-gevent: on the hub, or through gevent's thread pool)."""

import time

from .base import Workload

asyncio = None  # bound by Workload.prepare for the asyncio models


class Blocking(Workload):
    """A real sync-only library call (sqlite3) that takes about `call`: `SELECT
    conlab_wait(us)` (an application-defined function that blocks) or, with mode=cpu, a
    calibrated recursive CTE. Under asyncio it runs on the loop unless offload=true, which
    sends it through run_in_executor (see src/workload/blocking.rs)."""

    QUERY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT sum(x) FROM c"

    def __init__(self, w, target, lib):
        import sqlite3
        from ..green import blocking_sleep, threadpool
        self.sqlite3 = sqlite3
        # The C library's wait: under gevent the original time.sleep, or the callback
        # would switch greenlets from inside sqlite3, which a C library never does.
        self.sleep = blocking_sleep()
        self.threadpool = threadpool() if w["offload"] else None  # gevent's, for offload=true
        self.call = w["call_ns"] / 1e9
        self.offload = bool(w["offload"])
        self.wait = w["mode"] == "wait"
        self.rows = 0
        if not self.wait:
            probe = 200000
            self._cpu(probe // 10)
            start = time.monotonic()
            self._cpu(probe)
            self.rows = max(1, int(probe / max(1e-6, time.monotonic() - start) * self.call))

    def prepare(self, asynchronous):
        Workload.prepare(self, asynchronous)
        if asynchronous and self.offload:
            import concurrent.futures.thread  # what run_in_executor's default executor imports

    def _cpu(self, rows):
        db = self.sqlite3.connect(":memory:")
        try:
            return db.execute(self.QUERY, (rows,)).fetchone()[0]
        finally:
            db.close()

    def _wait(self):
        db = self.sqlite3.connect(":memory:")
        sleep = self.sleep
        db.create_function("conlab_wait", 1, lambda us: sleep(us / 1e6) or us)
        try:
            return db.execute("SELECT conlab_wait(?)", (int(self.call * 1e6),)).fetchone()[0]
        finally:
            db.close()

    def run_sync(self, i):
        if self.threadpool is not None:  # py-gevent, offload=true: the hub's thread pool
            return self.threadpool.apply(self._call)
        return self._call()

    def _call(self):
        return self._wait() if self.wait else self._cpu(self.rows)

    async def run_async(self, i):
        if self.offload:
            return await asyncio.get_running_loop().run_in_executor(None, self._call)
        return self._call()  # on the loop, on purpose: what blocking it costs

    def client(self, asynchronous):
        query = "SELECT conlab_wait(DUR)" if self.wait else "a calibrated recursive CTE"
        if asynchronous:
            how = "through run_in_executor" if self.offload else "on the event loop (blocking it)"
        elif self.threadpool is not None:
            how = "through gevent's hub threadpool (%d threads)" % self.threadpool.maxsize
        elif self.sleep is not time.sleep:
            how = "on the greenlet, blocking gevent's hub"
        else:
            how = "on the task's thread"
        return "SQLite %s via sqlite3, %s, %s" % (self.sqlite3.sqlite_version, query, how)
