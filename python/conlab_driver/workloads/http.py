"""`http`: R GET requests per task (or a loop for `duration`), through the driver's own
codec on the model's shell, or through requests / aiohttp (the named variants)."""

import sys
import time

from .. import shells
from ..errors import error_kind, requests_kind
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
        self.duration = w["duration_ns"] / 1e9 if w.get("duration_ns") is not None else None
        self.requests = int(w["requests"]) if w.get("requests") is not None else 1
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

    def wants(self, n, start):
        if self.duration is not None:
            return time.monotonic() - start < self.duration
        return n < self.requests

    def pick(self, i, n):
        return self.endpoints[(i + n) % len(self.endpoints)]

    # -- blocking sockets (threads, pool, processes), or requests
    def run_sync(self, i):
        if self.lib == "requests":
            return self._run_requests(i)
        conn = BlockingConnection(self.socket)
        start, n, first = time.monotonic(), 0, None
        while self.wants(n, start):
            endpoint = self.pick(i, n)
            n += 1
            sent = now_ns()
            try:
                status = conn.fetch(endpoint, self.keepalive, self.timeout)
                first = answered(status, sent, first)
            except Exception as exc:  # every failure is counted, none ends the task early
                conn.close()
                first = request_failed(error_kind(exc), exc, first, self.timeout)
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
        start, n, first = time.monotonic(), 0, None
        while self.wants(n, start):
            url = self.pick(i, n).url
            n += 1
            sent = now_ns()
            try:
                if session is not None:
                    resp = session.get(url, timeout=self.timeout)
                else:
                    resp = requests.get(url, timeout=self.timeout, headers={"Connection": "close"})
                first = answered(resp.status_code, sent, first)
            except Exception as exc:
                first = request_failed(requests_kind(exc), exc, first, self.timeout)
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
        start, n, first = time.monotonic(), 0, None
        while self.wants(n, start):
            endpoint = self.pick(i, n)
            n += 1
            sent = now_ns()
            try:
                status = await asyncio.wait_for(conn.fetch(endpoint, self.keepalive), self.timeout)
                first = answered(status, sent, first)
            except Exception as exc:  # every failure is counted, none ends the task early
                conn.close()
                first = request_failed(error_kind(exc), exc, first, self.timeout)
        conn.close()
        if first:
            raise first
        return n

    async def _run_aiohttp(self, i):
        client_os_error = self.aiohttp.ClientOSError
        connector_error = self.aiohttp.ClientConnectorError
        session = self.session
        start, n, first = time.monotonic(), 0, None
        while self.wants(n, start):
            url = self.pick(i, n).url
            n += 1
            sent = now_ns()
            try:
                async with session.get(url) as resp:
                    await resp.read()
                    first = answered(resp.status, sent, first)
            except Exception as exc:
                kind = error_kind(exc)
                if isinstance(exc, client_os_error) and not isinstance(exc, connector_error):
                    kind = "reset"
                first = request_failed(kind, exc, first, self.timeout)
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
            "asyncio streams" if asynchronous else "blocking sockets",
            "one kept-alive connection per task" if self.keepalive
            else "a new connection per request (Connection: close)")
