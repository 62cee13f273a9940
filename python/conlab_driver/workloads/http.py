"""`http`: R GET requests per task (or a loop for `duration`), through the driver's own
codec on the model's shell, or through requests / aiohttp (the named variants); closed
loop, or open loop with `rate=` on the schedule of the Rust client (`Http::due` in
src/workload/http.rs)."""

import sys
import time

from .. import shells
from ..errors import error_kind, requests_kind
from ..green import sockets_name
from ..http1 import http_request, split_url
from ..log import answered, request_failed
from ..measure import now_ns
from ..shells import AsyncConnection, BlockingConnection, resolve
from .base import Workload, load_asyncio

asyncio = None  # bound by prepare for the asyncio models


class Endpoint:
    """One URL as the tasks use it: the URL (for the libraries), its addresses (looked up
    in prepare) and the request bytes the driver's own client sends."""

    __slots__ = ("url", "host", "port", "addrs", "request")

    def __init__(self, url, keepalive):
        self.url = url
        self.host, self.port, path, authority = split_url(url)
        self.addrs = None
        self.request = http_request(path, authority, keepalive)


class Http(Workload):
    """R GET requests per task (or a loop for `duration`), keep-alive or not. The default
    client is the driver's own (the codec above, on the model's shell); requests and
    aiohttp are the named variants, the libraries people use."""

    def __init__(self, w, target, lib):
        self.keepalive = bool(w["keepalive"])
        self.timeout = w["timeout_ns"] / 1e9
        self.requests = int(w["requests"]) if w.get("requests") is not None else 1
        self.duration_ns = int(w["duration_ns"]) if w.get("duration_ns") is not None else None
        self.rate = int(w["rate"]) if w.get("rate") is not None else None
        self.gap_ns = None  # open loop: the time between one task's intended sends
        self.tasks = 1
        if target.get("urls"):
            urls = list(target["urls"])
        else:
            base = target["server"].rstrip("/")
            urls = ["%s/delay?ms=%d&bytes=%d" % (base, round(w["latency_ns"] / 1e6), w["bytes"])]
        self.endpoints = [Endpoint(u, self.keepalive) for u in urls]
        self.lib = lib
        self.socket = None
        self.session = None
        self.pool_note = None
        self.requests_mod = None
        self.adapter = None
        self.aiohttp = None

    def prepare(self, asynchronous):
        if asynchronous:
            load_asyncio(sys.modules[__name__], shells)
        import socket
        self.socket = socket
        for e in self.endpoints:
            e.addrs = resolve(socket, e.host, e.port)
        if self.lib == "requests":
            self._prepare_requests()
        elif self.lib == "aiohttp":
            import aiohttp
            self.aiohttp = aiohttp

    def _prepare_requests(self):
        """Import requests, and go once through what its first request would import or
        build lazily (netrc, the proxy settings from the environment), without a
        connection."""
        import requests
        from requests.adapters import HTTPAdapter
        self.requests_mod, self.adapter = requests, HTTPAdapter
        with requests.Session() as session:
            session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
            prepared = session.prepare_request(requests.Request("GET", self.endpoints[0].url))
            session.merge_environment_settings(prepared.url, {}, None, None, None)

    def for_tasks(self, tasks):
        """Open loop: `rate` requests/s in all, spread over the cell's `tasks` tasks."""
        self.tasks = max(1, tasks)
        if self.rate is not None:
            self.gap_ns = self.tasks * 1000000000 // self.rate

    def due(self, i, n, start, now):
        """When request n (0-based) of task i, started at `start`, is meant to be sent (ns),
        or None when the task is done. Closed loop: `now`, as long as the task wants more.
        Open loop: on the task's fixed schedule, the tasks' first sends spread evenly over
        one gap, so that the total is `rate` requests/s; a late answer makes the next send
        late but not its intended time, from which its latency counts (coordinated
        omission corrected, as wrk2 does). The Rust client's `Http::due`, line for line."""
        gap = self.gap_ns
        at = now if gap is None else start + gap * (i % self.tasks) // self.tasks + gap * n
        if self.duration_ns is not None:
            return at if at < start + self.duration_ns else None
        return at if n < self.requests else None

    def pace(self, at):
        """Wait, blocking, for a send time from `due`; the request's latency counts from the
        returned time: `at` in an open loop (if late: still `at`), now in a closed one."""
        if self.gap_ns is None:
            return now_ns()
        left = at - now_ns()
        if left > 0:
            time.sleep(left / 1e9)
        return at

    async def pace_async(self, at):
        """`pace` on the event loop, for an open loop (a closed one reads the clock instead
        of creating a coroutine per request)."""
        left = at - now_ns()
        if left > 0:
            await asyncio.sleep(left / 1e9)
        return at

    def pick(self, i, n):
        return self.endpoints[(i + n) % len(self.endpoints)]

    # -- blocking sockets (threads, pool, processes), or requests
    def run_sync(self, i):
        if self.lib == "requests":
            return self._run_requests(i)
        conn = BlockingConnection(self.socket)
        start = now_ns()
        n, first = 0, None
        due = self.due(i, n, start, start)
        while due is not None:
            sent = self.pace(due)
            endpoint = self.pick(i, n)
            n += 1
            try:
                status = conn.fetch(endpoint, self.keepalive, self.timeout)
                first = answered(status, sent, first)
            except Exception as exc:  # every failure is counted, none ends the task early
                conn.close()
                first = request_failed(error_kind(exc), exc, first, self.timeout)
            due = self.due(i, n, start, now_ns())
        conn.close()
        if first:
            raise first
        return n

    def _run_requests(self, i):
        requests = self.requests_mod
        session = None
        if self.keepalive:
            session = requests.Session()
            session.mount("http://", self.adapter(pool_connections=1, pool_maxsize=1))
        start = now_ns()
        n, first = 0, None
        due = self.due(i, n, start, start)
        while due is not None:
            sent = self.pace(due)
            url = self.pick(i, n).url
            n += 1
            try:
                if session is not None:
                    resp = session.get(url, timeout=self.timeout)
                else:
                    resp = requests.get(url, timeout=self.timeout, headers={"Connection": "close"})
                first = answered(resp.status_code, sent, first)
            except Exception as exc:
                first = request_failed(requests_kind(exc), exc, first, self.timeout)
            due = self.due(i, n, start, now_ns())
        if session is not None:
            session.close()
        if first:
            raise first
        return n

    # -- asyncio streams, or aiohttp
    async def run_async(self, i):
        if self.lib == "aiohttp":
            return await self._run_aiohttp(i)
        conn = AsyncConnection()
        start = now_ns()
        n, first = 0, None
        due = self.due(i, n, start, start)
        while due is not None:
            sent = now_ns() if self.gap_ns is None else await self.pace_async(due)  # closed: no coroutine
            endpoint = self.pick(i, n)
            n += 1
            try:
                status = await asyncio.wait_for(conn.fetch(endpoint, self.keepalive), self.timeout)
                first = answered(status, sent, first)
            except Exception as exc:  # every failure is counted, none ends the task early
                conn.close()
                first = request_failed(error_kind(exc), exc, first, self.timeout)
            due = self.due(i, n, start, now_ns())
        conn.close()
        if first:
            raise first
        return n

    async def _run_aiohttp(self, i):
        client_os_error = self.aiohttp.ClientOSError
        connector_error = self.aiohttp.ClientConnectorError
        session = self.session
        start = now_ns()
        n, first = 0, None
        due = self.due(i, n, start, start)
        while due is not None:
            sent = now_ns() if self.gap_ns is None else await self.pace_async(due)  # closed: no coroutine
            url = self.pick(i, n).url
            n += 1
            try:
                async with session.get(url) as resp:
                    await resp.read()
                    first = answered(resp.status, sent, first)
            except Exception as exc:
                kind = error_kind(exc)
                if isinstance(exc, client_os_error) and not isinstance(exc, connector_error):
                    kind = "reset"
                first = request_failed(kind, exc, first, self.timeout)
            due = self.due(i, n, start, now_ns())
        if first:
            raise first
        return n

    async def open_session(self, tasks, limit=None):
        """aiohttp: one session for the cell, its connector limit set and recorded: one
        connection per task unless `limit` is given (aiohttp's own default of 100, as the
        article's `fetch_many` gets it, silently caps concurrency)."""
        if self.lib != "aiohttp":
            return
        aiohttp = self.aiohttp
        limit = max(1, tasks) if limit is None else int(limit)
        connector = aiohttp.TCPConnector(limit=limit, force_close=not self.keepalive)
        self.session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout))
        self.pool_note = "TCPConnector(limit=%d, force_close=%s)" % (limit, not self.keepalive)

    async def close_session(self):
        if self.session is not None:
            await self.session.close()

    def client(self, asynchronous):
        if self.lib == "requests":
            return "requests %s, %s" % (self.requests_mod.__version__,
                                        "Session per task, HTTPAdapter(pool_maxsize=1)" if self.keepalive
                                        else "requests.get per request (no Session)")
        if self.lib == "aiohttp":
            return "aiohttp %s, one ClientSession, %s" % (self.aiohttp.__version__, self.pool_note or "")
        return "conlab HTTP/1.1 codec (sans-IO) on %s, %s" % (
            "asyncio streams" if asynchronous else sockets_name(),
            "one kept-alive connection per task" if self.keepalive
            else "a new connection per request (Connection: close)")
