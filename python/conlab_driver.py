"""conlab's Python driver: runs one cell under a Python concurrency model.

conlab ships this file inside its binary and writes it to a cache directory at run time.
It speaks the same protocol as a Rust cell: `python3 conlab_driver.py SPEC_JSON` runs
SPEC["tasks"] tasks of SPEC["workload"] under SPEC["model"] and prints exactly one JSON
line on stdout. Standard library only (Python 3.8+); the library variants (requests,
aiohttp, uvloop) are used only when a model names them.

The workloads mirror the Rust ones, definition for definition: `sleep`, `cpu` (the same
splitmix64 loop), `mixed`, `http`, `tcp`.
"""

import json
import math
import os
import sys
import threading
import time
from array import array

# asyncio and socket are imported where they are used: importing asyncio alone costs
# about 9 MB, which a thread-model cell must not be charged for.

MASK = (1 << 64) - 1
UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def now_ns():
    return time.monotonic_ns()


def parse_duration(text):
    for unit in ("ns", "us", "ms", "s", "m", "h"):
        if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).isdigit():
            return float(text[: -len(unit)]) * UNITS[unit]
    raise ValueError("malformed duration %r" % text)


def parse_spec(spec):
    name, _, rest = spec.partition(":")
    params = {}
    for part in filter(None, rest.split(",")):
        key, eq, value = part.partition("=")
        params[key if eq else ""] = value if eq else key
    return name, params


def cpu_kernel(seed, iterations):
    """K steps of splitmix64 folded into an accumulator (see src/workload/cpu.rs)."""
    x = seed & MASK
    acc = 0
    for _ in range(iterations):
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        acc ^= z ^ (z >> 31)
    return acc


# ---------------------------------------------------------------- measurement


class Histogram:
    """Log-bucketed latencies in microseconds, 0.5% resolution, compact at any count."""

    SCALE = 200.0  # buckets per e-fold

    def __init__(self):
        self.buckets = {}
        self.count = 0
        self.total = 0.0
        self.max = 0

    def record(self, us):
        us = max(1, int(us))
        b = int(math.log(us) * self.SCALE)
        self.buckets[b] = self.buckets.get(b, 0) + 1
        self.count += 1
        self.total += us
        if us > self.max:
            self.max = us

    def add_wire(self, pairs):
        for value, n in pairs:
            b = int(math.log(max(1, value)) * self.SCALE)
            self.buckets[b] = self.buckets.get(b, 0) + n
            self.count += n
            self.total += value * n
            self.max = max(self.max, value)

    def wire(self):
        return [[int(math.exp((b + 1) / self.SCALE)), n] for b, n in sorted(self.buckets.items())]

    def summary(self):
        if not self.count:
            return None

        def quantile(q):
            rank = max(1, int(math.ceil(q * self.count)))
            seen = 0
            for b in sorted(self.buckets):
                seen += self.buckets[b]
                if seen >= rank:
                    return min(math.exp((b + 1) / self.SCALE), self.max) / 1000.0
            return self.max / 1000.0

        return {
            "p50": quantile(0.50),
            "p90": quantile(0.90),
            "p99": quantile(0.99),
            "max": self.max / 1000.0,
            "mean": self.total / self.count / 1000.0,
        }


class RequestLog:
    """Per-request latencies and failures by kind, shared by every task of the process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.hist = Histogram()
        self.ok_count = 0
        self.errors = {}
        self.first_error = None

    def ok(self, seconds):
        with self.lock:
            self.ok_count += 1
            self.hist.record(seconds * 1e6)

    def failed(self, kind, message):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if self.first_error is None:
                self.first_error = "%s: %s" % (kind, message)

    def summary(self):
        if not self.ok_count and not self.errors:
            return None
        return {
            "ok": self.ok_count,
            "failed": sum(self.errors.values()),
            "errors": dict(self.errors),
            "first_error": self.first_error,
            "latency_ms": self.hist.summary(),
            "latency_us": self.hist.wire(),
        }


REQUESTS = RequestLog()


class TaskFailed(Exception):
    """A task whose failure is already counted per request."""

    def __init__(self, kind, message):
        Exception.__init__(self, "%s: %s" % (kind, message))
        self.kind = kind


def proc_status():
    out = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "VmSize", "VmPeak", "VmPTE", "Threads"):
                    parts = rest.split()
                    out[key] = int(parts[0]) * (1024 if len(parts) > 1 else 1)
    except OSError:
        pass
    return out


def snapshot():
    s = proc_status()
    try:
        fds = len(os.listdir("/proc/self/fd"))
    except OSError:
        fds = 0
    return {"rss": s.get("VmRSS", 0), "vm": s.get("VmSize", 0), "pte": s.get("VmPTE", 0),
            "threads": s.get("Threads", 0), "fds": fds}


def error_kind(exc):
    import errno
    import http.client
    if isinstance(exc, TaskFailed):
        return exc.kind
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset"
    aio = sys.modules.get("asyncio")
    if isinstance(exc, TimeoutError) or (aio is not None and isinstance(exc, aio.TimeoutError)):
        return "timeout"
    if isinstance(exc, (http.client.IncompleteRead, http.client.RemoteDisconnected, EOFError)):
        return "closed"
    if aio is not None and isinstance(exc, aio.IncompleteReadError):
        return "closed"
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        return "fd-limit"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
        return "no-ports"
    name = type(exc).__name__
    if "ServerDisconnected" in name or "ClientPayloadError" in name or "ContentLength" in name:
        return "closed"
    if "ClientConnectorError" in name:
        inner = getattr(exc, "os_error", None)
        return error_kind(inner) if inner is not None else "refused"
    if isinstance(exc, OSError):
        return "io"
    return "error"


def answered(status, sent, first):
    """Log a response by its status; returns the task's first failure so far."""
    kind = status_kind(status)
    if kind:
        REQUESTS.failed(kind, "status %d" % status)
        return first or TaskFailed(kind, "status %d" % status)
    REQUESTS.ok(time.monotonic() - sent)
    return first


def status_kind(status):
    if 200 <= status < 400:
        return None
    if 400 <= status < 500:
        return "http-4xx"
    if 500 <= status < 600:
        return "http-5xx"
    return "http-other"


# ---------------------------------------------------------------- workloads


class Sleep:
    def __init__(self, params, target, lib):
        self.seconds = parse_duration(params.get("") or params["duration"])
        # A plain wait: the asyncio model awaits a timer inline instead of a coroutine.
        self.pure_wait = self.seconds

    def run_sync(self, i):
        time.sleep(self.seconds)
        return 0

    async def run_async(self, i):
        import asyncio
        await asyncio.sleep(self.seconds)
        return 0


class Cpu:
    pure_wait = None

    def __init__(self, params, target, lib):
        self.iterations = int(params["iterations"])

    def run_sync(self, i):
        return cpu_kernel(i, self.iterations)

    async def run_async(self, i):
        return cpu_kernel(i, self.iterations)


class Mixed:
    pure_wait = None

    def __init__(self, params, target, lib):
        self.io = parse_duration(params["io"])
        self.cpu = int(params["cpu"])
        self.steps = int(params.get("steps", "1"))

    def run_sync(self, i):
        acc = 0
        for step in range(self.steps):
            time.sleep(self.io)
            acc ^= cpu_kernel(i ^ (step << 32), self.cpu)
        return acc

    async def run_async(self, i):
        import asyncio
        acc = 0
        for step in range(self.steps):
            await asyncio.sleep(self.io)
            acc ^= cpu_kernel(i ^ (step << 32), self.cpu)
        return acc


def split_url(url):
    rest = url.split("://", 1)[1]
    authority, slash, path = rest.partition("/")
    host, _, port = authority.rpartition(":")
    if not host or not port.isdigit():
        host, port = authority, "80"
    return host, int(port), "/" + path, authority


class Http:
    """R GET requests per task (or a loop for `duration`), keep-alive or not."""
    pure_wait = None


    def __init__(self, params, target, lib):
        latency = parse_duration(params.get("latency", "0ms"))
        nbytes = int(params.get("bytes", "128"))
        self.keepalive = params.get("keepalive", "true") == "true"
        self.timeout = parse_duration(params.get("timeout", "10s"))
        self.duration = parse_duration(params["duration"]) if "duration" in params else None
        self.requests = int(params.get("requests", "1"))
        if target.get("urls"):
            self.urls = list(target["urls"])
        else:
            base = target["server"].rstrip("/")
            self.urls = ["%s/delay?ms=%d&bytes=%d" % (base, round(latency * 1000), nbytes)]
        self.parts = [split_url(u) for u in self.urls]
        self.lib = lib
        self.session = None
        self.pool_note = None

    def wants(self, n, start):
        if self.duration is not None:
            return time.monotonic() - start < self.duration
        return n < self.requests

    def pick(self, i, n):
        k = (i + n) % len(self.urls)
        return self.urls[k], self.parts[k]

    # -- threads: http.client, or requests
    def run_sync(self, i):
        if self.lib == "requests":
            return self._run_requests(i)
        import http.client
        start, n, first, conn = time.monotonic(), 0, None, None
        while self.wants(n, start):
            url, (host, port, path, authority) = self.pick(i, n)
            n += 1
            sent = time.monotonic()
            try:
                if conn is None or not self.keepalive:
                    conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
                conn.request("GET", path, headers={"Connection": "keep-alive" if self.keepalive else "close"})
                resp = conn.getresponse()
                resp.read()
                first = answered(resp.status, sent, first)
                if not self.keepalive:
                    conn.close()
            except Exception as exc:  # every failure is counted, none ends the task early
                kind = error_kind(exc)
                REQUESTS.failed(kind, str(exc) or type(exc).__name__)
                first = first or TaskFailed(kind, str(exc))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()
        if first:
            raise first
        return n

    def _run_requests(self, i):
        import requests
        from requests.adapters import HTTPAdapter
        session = None
        if self.keepalive:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
        start, n, first = time.monotonic(), 0, None
        while self.wants(n, start):
            url, _ = self.pick(i, n)
            n += 1
            sent = time.monotonic()
            try:
                if session is not None:
                    resp = session.get(url, timeout=self.timeout)
                else:
                    resp = requests.get(url, timeout=self.timeout, headers={"Connection": "close"})
                first = answered(resp.status_code, sent, first)
            except Exception as exc:
                kind = requests_kind(exc)
                REQUESTS.failed(kind, str(exc))
                first = first or TaskFailed(kind, str(exc))
        if session is not None:
            session.close()
        if first:
            raise first
        return n

    # -- asyncio: a small HTTP/1.1 client on streams, or aiohttp
    async def run_async(self, i):
        import asyncio
        if self.lib == "aiohttp":
            return await self._run_aiohttp(i)
        start, n, first, stream = time.monotonic(), 0, None, None
        while self.wants(n, start):
            url, (host, port, path, authority) = self.pick(i, n)
            n += 1
            sent = time.monotonic()
            try:
                if stream is None:
                    stream = await asyncio.wait_for(asyncio.open_connection(host, port), self.timeout)
                status = await asyncio.wait_for(self._exchange(stream, path, authority), self.timeout)
                first = answered(status, sent, first)
                if not self.keepalive:
                    stream[1].close()
                    stream = None
            except Exception as exc:
                kind = error_kind(exc)
                REQUESTS.failed(kind, str(exc) or type(exc).__name__)
                first = first or TaskFailed(kind, str(exc))
                if stream is not None:
                    stream[1].close()
                stream = None
        if stream is not None:
            stream[1].close()
        if first:
            raise first
        return n

    async def _exchange(self, stream, path, authority):
        reader, writer = stream
        connection = "keep-alive" if self.keepalive else "close"
        writer.write(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n" % (path, authority, connection)).encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        elif "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        else:
            await reader.read()
        return status

    async def _run_aiohttp(self, i):
        import aiohttp
        session = self.session
        start, n, first = time.monotonic(), 0, None
        while self.wants(n, start):
            url, _ = self.pick(i, n)
            n += 1
            sent = time.monotonic()
            try:
                async with session.get(url) as resp:
                    await resp.read()
                    first = answered(resp.status, sent, first)
            except Exception as exc:
                kind = error_kind(exc)
                if isinstance(exc, aiohttp.ClientOSError) and not isinstance(exc, aiohttp.ClientConnectorError):
                    kind = "reset"
                REQUESTS.failed(kind, str(exc) or type(exc).__name__)
                first = first or TaskFailed(kind, str(exc))
        if first:
            raise first
        return n

    async def open_session(self, tasks):
        """aiohttp: one session for the cell, its connector limit set and recorded (the
        default of 100 would silently cap concurrency)."""
        if self.lib != "aiohttp":
            return
        import aiohttp
        connector = aiohttp.TCPConnector(limit=max(1, tasks), force_close=not self.keepalive)
        self.session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout))
        self.pool_note = "TCPConnector(limit=%d, force_close=%s)" % (max(1, tasks), not self.keepalive)

    async def close_session(self):
        if self.session is not None:
            await self.session.close()

    def client(self, asynchronous):
        if self.lib == "requests":
            import requests
            return "requests %s, %s" % (requests.__version__,
                                        "Session per task, HTTPAdapter(pool_maxsize=1)" if self.keepalive
                                        else "requests.get per request (no Session)")
        if self.lib == "aiohttp":
            import aiohttp
            return "aiohttp %s, one ClientSession, %s" % (aiohttp.__version__, self.pool_note or "")
        if asynchronous:
            return "asyncio streams HTTP/1.1 client (conlab driver), %s" % (
                "one kept-alive connection per task" if self.keepalive else "a new connection per request")
        return "http.client, %s" % ("one HTTPConnection per task" if self.keepalive else "a new connection per request")


def requests_kind(exc):
    import requests
    inner = exc
    while inner is not None:
        kind = error_kind(inner) if isinstance(inner, OSError) else None
        if kind and kind not in ("io", "error"):
            return kind
        inner = inner.__cause__ or inner.__context__ or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(exc, requests.exceptions.ReadTimeout):
        return "timeout"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "closed"
    text = str(exc)
    if "Connection refused" in text:
        return "refused"
    if "reset" in text.lower():
        return "reset"
    if "IncompleteRead" in text or "RemoteDisconnected" in text or "closed" in text.lower():
        return "closed"
    return "error"


class Tcp:
    pure_wait = None
    PING = b"conlab-ping-0001"

    def __init__(self, params, target, lib):
        self.hold = parse_duration(params["hold"])
        self.interval = parse_duration(params.get("interval", "1s"))
        host, _, port = target["tcp"].rpartition(":")
        self.addr = (host, int(port))

    def run_sync(self, i):
        import socket
        try:
            sock = socket.create_connection(self.addr, timeout=10)
        except Exception as exc:
            REQUESTS.failed(error_kind(exc), str(exc))
            raise TaskFailed(error_kind(exc), str(exc))
        with sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            start, k = time.monotonic(), 1
            while self.interval * k <= self.hold:
                time.sleep(max(0.0, start + self.interval * k - time.monotonic()))
                sent = time.monotonic()
                try:
                    sock.sendall(self.PING)
                    got = b""
                    while len(got) < len(self.PING):
                        chunk = sock.recv(len(self.PING) - len(got))
                        if not chunk:
                            raise EOFError("connection closed")
                        got += chunk
                except Exception as exc:
                    REQUESTS.failed(error_kind(exc), str(exc))
                    raise TaskFailed(error_kind(exc), str(exc))
                REQUESTS.ok(time.monotonic() - sent)
                k += 1
            time.sleep(max(0.0, start + self.hold - time.monotonic()))
        return k - 1

    async def run_async(self, i):
        import asyncio
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*self.addr), 10)
        except Exception as exc:
            REQUESTS.failed(error_kind(exc), str(exc))
            raise TaskFailed(error_kind(exc), str(exc))
        loop = asyncio.get_running_loop()
        start, k = loop.time(), 1
        try:
            while self.interval * k <= self.hold:
                await asyncio.sleep(max(0.0, start + self.interval * k - loop.time()))
                sent = time.monotonic()
                try:
                    writer.write(self.PING)
                    await writer.drain()
                    await asyncio.wait_for(reader.readexactly(len(self.PING)), 10)
                except Exception as exc:
                    REQUESTS.failed(error_kind(exc), str(exc))
                    raise TaskFailed(error_kind(exc), str(exc))
                REQUESTS.ok(time.monotonic() - sent)
                k += 1
            await asyncio.sleep(max(0.0, start + self.hold - loop.time()))
        finally:
            writer.close()
        return k - 1


class Blocking:
    """A real sync-only library call (sqlite3) that takes about `call`: `SELECT
    conlab_wait(us)` (an application-defined function that blocks) or, with kind=cpu, a
    calibrated recursive CTE. Under asyncio it runs on the loop unless offload=true, which
    sends it through run_in_executor (see src/workload/blocking.rs)."""

    pure_wait = None
    QUERY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT sum(x) FROM c"

    def __init__(self, params, target, lib):
        self.call = parse_duration(params["call"])
        self.offload = params.get("offload", "false") == "true"
        self.wait = params.get("kind", "wait") == "wait"
        self.rows = 0
        if not self.wait:
            probe = 200000
            self._cpu(probe // 10)
            start = time.monotonic()
            self._cpu(probe)
            self.rows = max(1, int(probe / max(1e-6, time.monotonic() - start) * self.call))

    def _cpu(self, rows):
        import sqlite3
        db = sqlite3.connect(":memory:")
        try:
            return db.execute(self.QUERY, (rows,)).fetchone()[0]
        finally:
            db.close()

    def _wait(self):
        import sqlite3
        db = sqlite3.connect(":memory:")
        db.create_function("conlab_wait", 1, lambda us: time.sleep(us / 1e6) or us)
        try:
            return db.execute("SELECT conlab_wait(?)", (int(self.call * 1e6),)).fetchone()[0]
        finally:
            db.close()

    def run_sync(self, i):
        return self._wait() if self.wait else self._cpu(self.rows)

    async def run_async(self, i):
        if self.offload:
            import asyncio
            return await asyncio.get_running_loop().run_in_executor(None, self.run_sync, i)
        return self.run_sync(i)  # on the loop, on purpose: what blocking it costs

    def client(self, asynchronous):
        import sqlite3
        query = "SELECT conlab_wait(DUR)" if self.wait else "a calibrated recursive CTE"
        how = ("through run_in_executor" if self.offload else "on the event loop (blocking it)") if asynchronous \
            else "on the task's thread"
        return "SQLite %s via sqlite3, %s, %s" % (sqlite3.sqlite_version, query, how)


WORKLOADS = {"sleep": Sleep, "cpu": Cpu, "mixed": Mixed, "http": Http, "tcp": Tcp, "blocking": Blocking}


# ---------------------------------------------------------------- models


class Cell:
    """What a model reports into: per-task start and end times, errors by kind."""

    def __init__(self, tasks):
        self.starts = array("q", bytes(8 * tasks))
        self.ends = array("q", bytes(8 * tasks))
        self.lock = threading.Lock()
        self.errors = {}
        self.failed = 0
        self.first_error = None
        self.full = None
        self.ready_ns = now_ns()
        self.failure = None
        self.worker_hwm = 0
        self.worker_vm_peak = 0
        self.worker_requests = []
        self.runner = ""
        self.concurrency = tasks
        self.loop_lag = Histogram()

    def task_error(self, exc):
        with self.lock:
            self.failed += 1
            if self.first_error is None:
                self.first_error = "%s: %s" % (error_kind(exc), exc)
            if not isinstance(exc, TaskFailed):
                kind = error_kind(exc)
                self.errors[kind] = self.errors.get(kind, 0) + 1


def run_one(work, cell, i):
    cell.starts[i] = now_ns()
    try:
        work.run_sync(i)
    except Exception as exc:
        cell.task_error(exc)
    cell.ends[i] = now_ns()


async def run_one_async(work, cell, i, loop):
    cell.starts[i] = now_ns()
    try:
        if work.pure_wait is not None:
            # What asyncio.sleep does, inline: one future and one timer, no coroutine
            # in between, so a waiting task costs what a hand-written one costs.
            future = loop.create_future()
            loop.call_later(work.pure_wait, _wake, future)
            await future
        else:
            await work.run_async(i)
    except Exception as exc:
        cell.task_error(exc)
    cell.ends[i] = now_ns()


async def heartbeat(loop, done, hist):
    import asyncio
    while not done:
        due = loop.time() + 0.001
        await asyncio.sleep(0.001)
        hist.record(max(0.0, loop.time() - due) * 1e6)


def _wake(future):
    if not future.done():
        future.set_result(None)


def model_thread(work, cell, n, param):
    cell.runner = "%d threading.Thread threads (stack %s)" % (n, threading.stack_size() or "default")
    cell.ready_ns = now_ns()
    threads = []
    for i in range(n):
        t = threading.Thread(target=run_one, args=(work, cell, i))
        try:
            t.start()
        except RuntimeError as exc:  # "can't start new thread"
            cell.failure = {"kind": "spawn-limit", "message": "thread for task %d could not be started: %s" % (i, exc),
                            "at_task": i, "limit": thread_limit()}
            with cell.lock:
                cell.errors["not-started"] = cell.errors.get("not-started", 0) + (n - i)
                cell.failed += n - i
            break
        threads.append(t)
    cell.full = snapshot()
    for t in threads:
        t.join()


def thread_limit():
    try:
        maps = sum(1 for _ in open("/proc/self/maps"))
        limit = int(open("/proc/sys/vm/max_map_count").read())
        if maps + 64 >= limit:
            return "vm.max_map_count=%d (this process has %d memory mappings)" % (limit, maps)
        alive = int(open("/proc/loadavg").read().split()[3].split("/")[1])
        pid_max = int(open("/proc/sys/kernel/pid_max").read())
        if alive + 64 >= pid_max:
            return "kernel.pid_max=%d (%d threads alive on the machine)" % (pid_max, alive)
        return "unidentified (%d threads alive, %d mappings)" % (alive, maps)
    except (OSError, ValueError):
        return None


def model_pool(work, cell, n, param):
    from concurrent.futures import ThreadPoolExecutor
    size = param or min(32, (os.cpu_count() or 1) + 4)
    cell.runner = "ThreadPoolExecutor(max_workers=%d) for %d tasks" % (size, n)
    cell.concurrency = min(size, n)
    cell.ready_ns = now_ns()
    with ThreadPoolExecutor(max_workers=size) as pool:
        futures = [pool.submit(run_one, work, cell, i) for i in range(n)]
        cell.full = snapshot()
        for f in futures:
            f.result()


def model_asyncio(work, cell, n, param, use_uvloop=False):
    import asyncio

    async def main():
        if hasattr(work, "open_session"):
            await work.open_session(n)
        loop = asyncio.get_running_loop()
        # A 1 ms heartbeat on the loop: how late it wakes up is the loop's lag.
        done = []
        beat = asyncio.ensure_future(heartbeat(loop, done, cell.loop_lag))
        cell.ready_ns = now_ns()
        tasks = [asyncio.ensure_future(run_one_async(work, cell, i, loop)) for i in range(n)]
        cell.full = snapshot()
        await asyncio.gather(*tasks)
        done.append(True)
        await beat
        if hasattr(work, "close_session"):
            await work.close_session()

    if use_uvloop:
        import uvloop
        cell.runner = "%d asyncio tasks on uvloop %s" % (n, uvloop.__version__)
        loop = uvloop.new_event_loop()
    else:
        cell.runner = "%d asyncio tasks on one event loop" % n
        loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main())
    finally:
        loop.close()


# Set before the pool forks, so workers inherit the workload.
_WORK = None


def _process_share(args):
    first, count = args
    starts, ends, errors, failed, first_error = [], [], {}, 0, None
    for i in range(first, first + count):
        start = now_ns()
        try:
            _WORK.run_sync(i)
        except Exception as exc:
            failed += 1
            first_error = first_error or "%s: %s" % (error_kind(exc), exc)
            if not isinstance(exc, TaskFailed):
                errors[error_kind(exc)] = errors.get(error_kind(exc), 0) + 1
        starts.append(start)
        ends.append(now_ns())
    status = proc_status()
    return {"first": first, "starts": starts, "ends": ends, "errors": errors, "failed": failed,
            "first_error": first_error, "hwm": status.get("VmHWM", 0), "vm_peak": status.get("VmPeak", 0),
            "requests": REQUESTS.summary()}


def model_process(work, cell, n, param):
    import multiprocessing
    global _WORK
    _WORK = work
    workers = max(1, min(param or (os.cpu_count() or 1), n))
    method = "fork"
    ctx = multiprocessing.get_context(method)
    cell.runner = "multiprocessing.Pool(%d), start method %s, one contiguous share per worker" % (workers, method)
    cell.concurrency = workers
    cell.ready_ns = now_ns()
    shares = [(w * n // workers, (w + 1) * n // workers - w * n // workers) for w in range(workers)] if n else []
    with ctx.Pool(workers) as pool:
        pending = pool.map_async(_process_share, shares, chunksize=1)
        cell.full = snapshot()
        results = pending.get()
    for r in results:
        for k, (s, e) in enumerate(zip(r["starts"], r["ends"])):
            cell.starts[r["first"] + k] = s
            cell.ends[r["first"] + k] = e
        for kind, count in r["errors"].items():
            cell.errors[kind] = cell.errors.get(kind, 0) + count
        cell.failed += r["failed"]
        cell.first_error = cell.first_error or r["first_error"]
        cell.worker_hwm += r["hwm"]
        cell.worker_vm_peak += r["vm_peak"]
        if r["requests"]:
            cell.worker_requests.append(r["requests"])


MODELS = {"py-thread": model_thread, "py-pool": model_pool, "py-asyncio": model_asyncio, "py-process": model_process}


def merge_requests(parts):
    parts = [p for p in parts if p]
    if not parts:
        return None
    hist = Histogram()
    out = {"ok": 0, "failed": 0, "errors": {}, "first_error": None}
    for p in parts:
        out["ok"] += p["ok"]
        out["failed"] += p["failed"]
        for k, v in p["errors"].items():
            out["errors"][k] = out["errors"].get(k, 0) + v
        out["first_error"] = out["first_error"] or p["first_error"]
        hist.add_wire(p["latency_us"])
    out["latency_ms"] = hist.summary()
    out["latency_us"] = hist.wire()
    return out


def main(argv):
    spec = json.loads(argv[1])
    tasks = int(spec["tasks"])
    model_spec = spec["model"]
    base, _, param_text = model_spec.partition(":")
    base, _, lib = base.partition("+")
    param = int(param_text.split("=")[1]) if "=" in param_text else None
    name, params = parse_spec(spec["workload"])
    http_lib = lib if lib in ("requests", "aiohttp") else None
    work = WORKLOADS[name](params, spec.get("target") or {}, http_lib)
    cell = Cell(tasks)
    if base == "py-asyncio":
        model_asyncio(work, cell, tasks, param, use_uvloop=(lib == "uvloop"))
    else:
        MODELS[base](work, cell, tasks, param)
    finished = max(cell.ends) if tasks else now_ns()
    started = max(cell.starts) if tasks else cell.ready_ns

    latency, lag = Histogram(), Histogram()
    for s, e in zip(cell.starts, cell.ends):
        if e:
            latency.record((e - s) / 1000.0)
            lag.record((s - cell.ready_ns) / 1000.0)
    status = proc_status()
    asynchronous = base == "py-asyncio"
    client = work.client(asynchronous) if hasattr(work, "client") else None
    report = {
        "ready_ns": cell.ready_ns,
        "started_ns": max(started, cell.ready_ns),
        "finished_ns": max(finished, cell.ready_ns),
        "tasks_ok": tasks - cell.failed,
        "tasks_failed": cell.failed,
        "errors": cell.errors,
        "first_error": cell.first_error,
        "latency_ms": latency.summary(),
        "start_lag_ms": lag.summary(),
        "failure": cell.failure,
        "runner": "%s (%s %s)" % (cell.runner, sys.implementation.name, sys.version.split()[0]),
        "client": client,
        "requests": merge_requests([REQUESTS.summary()] + cell.worker_requests),
        "concurrency": cell.concurrency,
        "loop_lag_ms": cell.loop_lag.summary(),
        "hwm_bytes": status.get("VmHWM", 0) + cell.worker_hwm,
        "vm_peak_bytes": status.get("VmPeak", 0) + cell.worker_vm_peak,
        "full": cell.full,
        "checksum": 0,
    }
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
