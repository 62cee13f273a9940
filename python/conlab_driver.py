"""conlab's Python driver: runs one cell under a Python concurrency model.

conlab ships this file inside its binary and writes it to a cache directory at run time.
It speaks the same protocol as a Rust cell: `python3 conlab_driver.py` reads one JSON
cell spec on stdin (already validated and resolved by conlab: no defaults to apply, no
strings to parse), runs SPEC["tasks"] tasks of SPEC["workload"] under SPEC["model"] and
prints exactly one JSON line on stdout. Standard library only (Python 3.8+); the library
variants (requests, aiohttp, uvloop) are used only when a model names them.

The driver measures and ships raw data only: every latency distribution leaves as a
"wire", [[value_us, count], ...] bucketed exactly like the Rust hdrhistogram crate (3
significant digits, lowest value 1 us), and conlab summarises it like a Rust cell's.

The workloads mirror the Rust ones, definition for definition: `sleep`, `cpu` (the same
splitmix64 loop), `mixed`, `http`, `tcp`, `blocking`. The I/O ones speak through one
protocol code of the driver's own under every model (a sans-IO HTTP/1.1 codec, with a
blocking and an asyncio shell around it), so that two models' cells differ by the model
only; requests and aiohttp are named variants. One more has no Rust twin: `py-task`, the
user's own module, imported (and its setup called) before the ready mark.
"""

import errno
import heapq
import json
import os
import sys
import threading
import time
from array import array
from itertools import chain, islice

# Everything a workload needs is imported when it is prepared, before the ready mark,
# never inside a timed task. asyncio in particular is imported only for the asyncio
# models: importing it alone costs about 9 MB, which a thread-model cell must not be
# charged for.
asyncio = None

MASK = (1 << 64) - 1


def now_ns():
    return time.monotonic_ns()


def reset_peak():
    """Restart this process's VmHWM from its current RSS (5 to /proc/self/clear_refs,
    Linux 4.0+); where the kernel refuses, the peak stays the one since start."""
    try:
        fd = os.open("/proc/self/clear_refs", os.O_WRONLY)
    except OSError:
        return
    try:
        os.write(fd, b"5")
    except OSError:
        pass
    finally:
        os.close(fd)


def load_asyncio():
    global asyncio
    import asyncio


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

HDR_TOP = 3_600_000_000  # 1 hour in us: values above saturate here


def hdr_key(us):
    """The lowest value of the HDR bucket that holds `us` (3 significant digits, 1 us..1 h).
    Comparisons rather than min() and max(): it runs once per task and per request."""
    v = int(us)
    if v < 1:
        v = 1
    elif v > HDR_TOP:
        v = HDR_TOP
    shift = (v | 2047).bit_length() - 11  # v | 2047 has at least 11 bits
    return v >> shift << shift


class Buckets:
    """Counts per HDR bucket, in microseconds: compact at any count, summarised by conlab."""

    __slots__ = ("counts",)

    def __init__(self):
        self.counts = {}

    def record(self, us):
        counts, key = self.counts, hdr_key(us)
        counts[key] = counts.get(key, 0) + 1

    def add_wire(self, pairs):
        counts = self.counts
        for value, n in pairs:
            key = hdr_key(value)
            counts[key] = counts.get(key, 0) + n

    def wire(self):
        return [[key, n] for key, n in sorted(self.counts.items())]


class RequestLog:
    """Per-request latencies and failures by kind, shared by every task of the process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.latency = Buckets()
        self.ok_count = 0
        self.errors = {}
        self.first_error = None

    def ok(self, sent_ns):
        us = (now_ns() - sent_ns) // 1000
        with self.lock:
            self.ok_count += 1
            self.latency.record(us)

    def failed(self, kind, message):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if self.first_error is None:
                self.first_error = "%s: %s" % (kind, message)

    def take(self):
        """The log as shipped (None when nothing was requested), and a fresh log."""
        with self.lock:
            if not self.ok_count and not self.errors:
                return None
            out = {
                "ok": self.ok_count,
                "failed": sum(self.errors.values()),
                "errors": dict(self.errors),
                "first_error": self.first_error,
                "latency_us": self.latency.wire(),
            }
            self.reset()
            return out


REQUESTS = RequestLog()


class TaskFailed(Exception):
    """A task whose failure is already counted per request."""

    def __init__(self, kind, message):
        Exception.__init__(self, "%s: %s" % (kind, message))
        self.kind = kind


class ProtocolError(Exception):
    """A response the driver's own HTTP client could not parse."""


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


def spawn_counters():
    """What conlab needs to name the limit a failed thread start hit; None without /proc."""
    try:
        with open("/proc/self/maps") as f:
            maps = sum(1 for _ in f)
        with open("/proc/loadavg") as f:
            alive = int(f.read().split()[3].split("/")[1])
        return {"maps": maps, "threads_alive": alive}
    except (OSError, ValueError, IndexError):
        return None


def error_kind(exc):
    """The failure's kind, one of: refused, reset, timeout, closed, protocol, fd-limit,
    no-ports, io, error (and the http-* kinds, from statuses). Imports nothing: at the fd
    limit an import fails too."""
    if isinstance(exc, (TaskFailed, UserTaskError)):
        return exc.kind
    hc = sys.modules.get("http.client")
    # RemoteDisconnected is a ConnectionResetError, but it means the peer closed.
    if hc is not None and isinstance(exc, (hc.IncompleteRead, hc.RemoteDisconnected)):
        return "closed"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset"
    aio = sys.modules.get("asyncio")
    sock = sys.modules.get("socket")
    if isinstance(exc, TimeoutError) or (aio is not None and isinstance(exc, aio.TimeoutError)) \
            or (sock is not None and isinstance(exc, sock.timeout)):
        return "timeout"
    if isinstance(exc, EOFError):  # asyncio.IncompleteReadError is one
        return "closed"
    if isinstance(exc, ProtocolError) or (hc is not None and isinstance(exc, hc.HTTPException)):
        return "protocol"
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
    if "ClientResponseError" in name:
        return "protocol"
    if isinstance(exc, OSError):
        return "io"
    return "error"


def answered(status, sent_ns, first):
    """Log a response by its status; returns the task's first failure so far."""
    kind = status_kind(status)
    if kind:
        REQUESTS.failed(kind, "status %d" % status)
        return first or TaskFailed(kind, "status %d" % status)
    REQUESTS.ok(sent_ns)
    return first


def status_kind(status):
    if 200 <= status < 400:
        return None
    if 400 <= status < 500:
        return "http-4xx"
    if 500 <= status < 600:
        return "http-5xx"
    return "http-other"


# ---------------------------------------------------------------- HTTP/1.1 and the I/O shells

# One protocol code for every Python model, so that what differs between two models' http
# cells is the model and nothing else: a sans-IO HTTP/1.1 codec (request bytes out,
# response bytes in, no I/O of its own) and two thin shells that only move bytes, one on
# blocking sockets (threads, pool, processes) and one on asyncio streams. Both connect
# to the address looked up before the ready mark, set TCP_NODELAY, read BUF bytes at a
# time and give a request one deadline over connect and exchange. The tcp workload's
# echo goes through the same shells.

BUF = 65536  # bytes per read, in both shells
HEAD_LIMIT = 65536  # a response head longer than this is malformed


def split_host_port(authority, default_port):
    """("host", port) from "host:port", "[v6]:port", "host" or "[v6]"; the host has no
    brackets, ready to connect to."""
    if authority.startswith("["):
        close = authority.find("]")
        host, rest = authority[1:close], authority[close + 1:]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, colon, port = authority.rpartition(":")
        if not colon:
            host, port = authority, ""
    return host, int(port) if port.isdigit() else default_port


def split_url(url):
    """(host, port, path, authority) of an http:// URL: the host without brackets for
    connecting, the authority as written (brackets included) for the Host header."""
    rest = url.split("://", 1)[1]
    cut = min((k for k in (rest.find("/"), rest.find("?")) if k >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if not path.startswith("/"):
        path = "/" + path
    authority = authority.rpartition("@")[2]
    host, port = split_host_port(authority, 80)
    return host, port, path, authority


def http_request(path, authority, keepalive):
    """The bytes of one GET: without keep-alive it asks the server to close after it."""
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n"
            % (path, authority, "keep-alive" if keepalive else "close")).encode("latin-1")


def decimal(text, what, shown=None):
    """A non-negative decimal number, or ProtocolError naming `shown` (default: the text)."""
    if not (text.isascii() and text.isdigit()):
        raise ProtocolError("malformed %s %s" % (what, quoted(text if shown is None else shown)))
    return int(text)


def quoted(text):
    """Text as the Rust codec shows it in a message (its first 80 characters in double
    quotes, escaped as Rust's Debug does), so a malformed response reads the same under
    every model."""
    out = []
    for ch in text[:80]:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\r\n\t\0":
            out.append({"\r": "\\r", "\n": "\\n", "\t": "\\t", "\0": "\\0"}[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"%s"' % "".join(out)


class Response:
    """One HTTP/1.1 response, parsed from the bytes fed to it as they arrive (sans-IO).

    `feed(data)` takes what the connection gave, b"" once the peer closed it, and returns
    True when the response is complete; then `status` is its status and `closing` says
    whether the connection ends after it (the request asked so, the server says so, or
    the body runs to the close). Framing: Content-Length, chunked, or read to the close;
    the body is counted, not kept. Malformed input raises ProtocolError; a connection that
    ends before the response does raises EOFError (kind "closed")."""

    __slots__ = ("status", "closing", "_step", "_left", "_buf", "_seen")

    def __init__(self, keepalive):
        self.status = 0
        self.closing = not keepalive
        self._step = Response._head  # what the next bytes are; None once complete
        self._left = 0  # bytes still due in the body or the current chunk
        self._buf = b""  # bytes not consumed yet (a partial head or chunk-size line)
        self._seen = False

    def feed(self, data):
        if not data:
            return self._end()
        self._seen = True
        buf = self._buf + data if self._buf else data
        pos, size = 0, len(buf)
        while pos < size:
            if self._step is None:
                raise ProtocolError("%d bytes after the end of the response" % (size - pos))
            after = self._step(self, buf, pos)
            if after is None:  # an incomplete line: wait for more bytes
                break
            pos = after
        self._buf = buf[pos:] if pos < size else b""
        return self._step is None

    def _end(self):
        if self._step is Response._to_close:
            self._step = None
        if self._step is None:
            return True
        if self._step is not Response._head:
            raise EOFError("connection closed before the response body was complete")
        raise EOFError("connection closed in the middle of the response head" if self._buf
                       else "connection closed before the response")

    def _line(self, buf, pos, mark):
        end = buf.find(mark, pos)
        if end < 0 and len(buf) - pos > HEAD_LIMIT:
            raise ProtocolError(("response head larger than the %d-byte buffer" if self._step is Response._head
                                 else "chunk size or trailer line longer than the %d-byte buffer") % HEAD_LIMIT)
        return end

    def _head(self, buf, pos):
        end = self._line(buf, pos, b"\r\n\r\n")
        if end < 0:
            return None
        lines = buf[pos:end].decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1.") or rest[3:4] not in ("", " "):
            raise ProtocolError("malformed status line %s" % quoted(lines[0]))
        status = decimal(rest[:3], "status line", lines[0])
        if status < 100:
            raise ProtocolError("malformed status line %s" % quoted(lines[0]))
        if status < 200:  # an interim response: the final one follows
            return end + 4
        length, coding, tokens = None, None, []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise ProtocolError("malformed header line %s" % quoted(line))
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                if length is not None and decimal(value, "Content-Length") != length:
                    raise ProtocolError("malformed Content-Length %s" % quoted(value))
                length = decimal(value, "Content-Length")
            elif name == "transfer-encoding":
                coding = value.lower()
            elif name == "connection":
                tokens += [t.strip() for t in value.lower().split(",")]
        self.status = status
        if "close" in tokens or (version == "HTTP/1.0" and "keep-alive" not in tokens):
            self.closing = True
        if status in (204, 304):
            self._step = None
        elif coding is not None:
            chunked = coding.rsplit(",", 1)[-1].strip() == "chunked"  # the last coding frames the body
            self._step = Response._chunk_size if chunked else Response._to_close
        elif length is not None:
            self._left = length
            self._step = Response._body if length else None
        else:
            self._step = Response._to_close
        if self._step is Response._to_close:
            self.closing = True
        return end + 4

    def _body(self, buf, pos):
        take = min(self._left, len(buf) - pos)
        self._left -= take
        if not self._left:
            self._step = None
        return pos + take

    def _chunk_size(self, buf, pos):
        end = self._line(buf, pos, b"\r\n")
        if end < 0:
            return None
        size = buf[pos:end].split(b";", 1)[0].strip()
        if not size or size.strip(b"0123456789abcdefABCDEF"):
            raise ProtocolError("malformed chunk size line %s" % quoted(buf[pos:end].decode("latin-1")))
        self._left = int(size, 16)
        self._step = Response._chunk_data if self._left else Response._trailer
        return end + 2

    def _chunk_data(self, buf, pos):
        take = min(self._left, len(buf) - pos)
        self._left -= take
        if not self._left:
            self._step = Response._chunk_end
        return pos + take

    def _chunk_end(self, buf, pos):
        if len(buf) - pos < 2:
            return None
        if buf[pos:pos + 2] != b"\r\n":
            raise ProtocolError("chunk data not followed by CRLF")
        self._step = Response._chunk_size
        return pos + 2

    def _trailer(self, buf, pos):
        end = self._line(buf, pos, b"\r\n")
        if end < 0:
            return None
        if end == pos:  # the empty line that ends the trailer
            self._step = None
        return end + 2

    def _to_close(self, buf, pos):
        return len(buf)


def echo_left(left, data):
    """The tcp workload's codec: bytes of the echo still due once `data` arrived (b"":
    the peer closed, EOFError)."""
    if not data:
        raise EOFError("connection closed before the echo")
    if len(data) > left:
        raise ProtocolError("%d bytes more than were sent" % (len(data) - left))
    return left - len(data)


def resolve(socket, host, port):
    """The addresses to connect to, looked up once, before the ready mark (so no task pays
    for a lookup, or for the idna codec it imports); a failed lookup is raised again by
    every connect, as the lookup itself would have been."""
    try:
        return [(family, addr) for family, _, _, _, addr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except OSError as exc:
        return exc


def time_left(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def connect_blocking(socket, addrs, deadline):
    """A connected blocking socket with TCP_NODELAY: each address in turn, the last error
    if none answers."""
    if isinstance(addrs, OSError):
        raise type(addrs)(*addrs.args)
    error = None
    for family, addr in addrs:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(time_left(deadline))
            sock.connect(addr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except Exception as exc:
            sock.close()
            error = exc
    raise error


async def connect_async(addrs):
    """asyncio streams on a connection (asyncio sets TCP_NODELAY itself): each address in
    turn, given as a number so that no lookup runs; the last error if none answers."""
    if isinstance(addrs, OSError):
        raise type(addrs)(*addrs.args)
    error = None
    for family, addr in addrs:
        try:
            return await asyncio.open_connection(addr[0], addr[1])
        except OSError as exc:
            error = exc
    raise error


class BlockingConnection:
    """The blocking shell: the codec over one socket, opened on first use and reused until
    a response says the connection ends. One deadline covers connect and exchange."""

    __slots__ = ("socket", "sock")

    def __init__(self, socket):
        self.socket = socket
        self.sock = None

    def fetch(self, endpoint, keepalive, timeout):
        """One request; the response's status."""
        deadline = time.monotonic() + timeout
        if self.sock is None:
            self.sock = connect_blocking(self.socket, endpoint.addrs, deadline)
        sock = self.sock
        sock.settimeout(time_left(deadline))
        sock.sendall(endpoint.request)
        response = Response(keepalive)
        while not response.feed(sock.recv(BUF)):
            sock.settimeout(time_left(deadline))
        if response.closing:
            self.close()
        return response.status

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class AsyncConnection:
    """The asyncio shell: the codec over one stream pair, as BlockingConnection does it;
    the caller's wait_for gives the deadline."""

    __slots__ = ("reader", "writer")

    def __init__(self):
        self.reader = self.writer = None

    async def fetch(self, endpoint, keepalive):
        """One request; the response's status."""
        if self.writer is None:
            self.reader, self.writer = await connect_async(endpoint.addrs)
        self.writer.write(endpoint.request)
        await self.writer.drain()
        response = Response(keepalive)
        read = self.reader.read
        while not response.feed(await read(BUF)):
            pass
        if response.closing:
            self.close()
        return response.status

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


# ---------------------------------------------------------------- workloads


class Workload:
    """A workload takes its resolved spec W, the target and the library; `prepare` imports
    what its tasks will need, before the ready mark."""


    def prepare(self, asynchronous):
        if asynchronous:
            load_asyncio()


class Sleep(Workload):
    def __init__(self, w, target, lib):
        self.seconds = w["duration_ns"] / 1e9

    def run_sync(self, i):
        time.sleep(self.seconds)
        return 0

    def run_async(self, i):
        # asyncio.sleep's own coroutine, awaited by the task: the task users write
        # (`async def task(): await asyncio.sleep(s)`), with no second coroutine between.
        return asyncio.sleep(self.seconds)


class Cpu(Workload):
    def __init__(self, w, target, lib):
        self.iterations = int(w["iterations"])

    def run_sync(self, i):
        return cpu_kernel(i, self.iterations)

    async def run_async(self, i):
        return cpu_kernel(i, self.iterations)


class Mixed(Workload):
    def __init__(self, w, target, lib):
        self.io = w["io_ns"] / 1e9
        self.cpu = int(w["cpu"])
        self.steps = int(w["steps"])

    def run_sync(self, i):
        acc = 0
        for step in range(self.steps):
            time.sleep(self.io)
            acc ^= cpu_kernel(i ^ (step << 32), self.cpu)
        return acc

    async def run_async(self, i):
        acc = 0
        for step in range(self.steps):
            await asyncio.sleep(self.io)
            acc ^= cpu_kernel(i ^ (step << 32), self.cpu)
        return acc


class Endpoint:
    """One URL as the tasks use it: the URL (for the libraries), its addresses (looked up
    in prepare) and the request bytes the driver's own client sends."""

    __slots__ = ("url", "host", "port", "addrs", "request")

    def __init__(self, url, keepalive):
        self.url = url
        self.host, self.port, path, authority = split_url(url)
        self.addrs = None
        self.request = http_request(path, authority, keepalive)


def request_failed(kind, exc, first, timeout, what=None):
    """Log a failed request; returns the task's first failure so far. The message is
    worded as the Rust models word it (see `failure_message`)."""
    message = failure_message(kind, exc, timeout, what)
    REQUESTS.failed(kind, message)
    return first or TaskFailed(kind, message)


def failure_message(kind, exc, timeout, what=None):
    """A failure's message in the shape the Rust models give it, so one fault reads the
    same under every model: a timeout says which timeout ("no response within 2s"; the
    tcp workload "ping: no answer within 10s"), an OS error is "Connection refused (os
    error 111)" whichever library raised it, anything else is the exception's text.
    `what` prefixes the step that failed (the tcp workload's "connect", "ping 3")."""
    if kind == "timeout" and timeout is not None:
        text = ("no answer within %s" if what else "no response within %s") % format_duration(timeout)
    else:
        root = os_error(exc)
        if root is not None:
            text = "%s (os error %d)" % (os.strerror(root.errno), root.errno)
        else:
            text = library_text(exc)
    return "%s: %s" % (what, text) if what else text


def library_text(exc):
    """One line for a failure with no OS error under it: the innermost exception's text
    (requests wraps http.client's in urllib3's), a malformed status line as the codec
    words it, aiohttp's message without its URL."""
    inner, seen = exc, 0
    while seen < 16:
        seen += 1
        nxt = inner.__cause__ or inner.__context__ or next(
            (a for a in reversed(inner.args) if isinstance(a, BaseException)), None)
        if nxt is None:
            break
        inner = nxt
    hc = sys.modules.get("http.client")
    if hc is not None and isinstance(inner, hc.BadStatusLine) and not isinstance(inner, hc.RemoteDisconnected):
        return "malformed status line %s" % quoted(str(inner).strip())
    message = getattr(inner, "message", None)
    text = message if isinstance(message, str) and message else str(inner) or type(inner).__name__
    return " ".join(text.split())


def os_error(exc):
    """The OS error (with an errno) at the root of an exception chain: aiohttp keeps it in
    `os_error`, requests and urllib3 in `args` or the cause."""
    seen = 0
    while exc is not None and seen < 16:
        seen += 1
        if isinstance(exc, OSError) and exc.errno:
            return exc
        inner = getattr(exc, "os_error", None) or exc.__cause__ or exc.__context__
        if inner is None and exc.args and isinstance(exc.args[-1], BaseException):
            inner = exc.args[-1]
        if inner is None:
            reason = getattr(exc, "reason", None)
            inner = reason if isinstance(reason, BaseException) else None
        exc = inner
    return None


def format_duration(seconds):
    """A duration as conlab writes it: 2s, 500ms, 250us (whole units, as in the specs)."""
    ns = int(round(seconds * 1e9))
    for unit, size in (("s", 10 ** 9), ("ms", 10 ** 6), ("us", 10 ** 3)):
        if ns and ns % size == 0:
            return "%d%s" % (ns // size, unit)
    return "%dns" % ns if ns else "0ms"


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
        Workload.prepare(self, asynchronous)
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


def requests_kind(exc):
    """error_kind for a requests exception: the kind of the OS error under it, if any."""
    inner = exc
    while inner is not None:
        kind = error_kind(inner) if isinstance(inner, OSError) else None
        if kind and kind not in ("io", "error"):
            return kind
        inner = inner.__cause__ or inner.__context__ or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
    requests = sys.modules.get("requests")
    if requests is not None:
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
            return "timeout"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return "closed"
    hc = sys.modules.get("http.client")
    inner = exc
    while hc is not None and inner is not None:  # urllib3 wraps http.client's BadStatusLine
        if isinstance(inner, (hc.IncompleteRead, hc.RemoteDisconnected)):
            return "closed"
        if isinstance(inner, hc.HTTPException):
            return "protocol"
        inner = inner.__cause__ or inner.__context__ or next(
            (a for a in reversed(inner.args) if isinstance(a, BaseException)), None)
    text = str(exc)
    if "Connection refused" in text:
        return "refused"
    if "reset" in text.lower():
        return "reset"
    if "IncompleteRead" in text or "RemoteDisconnected" in text or "closed" in text.lower():
        return "closed"
    return "error"


class Tcp(Workload):
    """Each task holds one connection to the echo port for `hold` and sends a 16-byte ping
    every `interval`, waiting for its echo: through the same shells and deadlines as the
    http client (connect, then each exchange, within IO_TIMEOUT)."""

    PING = b"conlab-ping-0001"
    IO_TIMEOUT = 10.0

    def __init__(self, w, target, lib):
        self.hold_ns = int(w["hold_ns"])
        self.interval_ns = int(w["interval_ns"])
        size = int(w.get("bytes") or len(self.PING))
        self.message = (self.PING * (size // len(self.PING) + 1))[:size]
        self.host, self.port = split_host_port(target["tcp"], 0)
        self.socket = None
        self.addrs = None

    def prepare(self, asynchronous):
        Workload.prepare(self, asynchronous)
        import socket
        self.socket = socket
        self.addrs = resolve(socket, self.host, self.port)

    def run_sync(self, i):
        try:
            sock = connect_blocking(self.socket, self.addrs, time.monotonic() + self.IO_TIMEOUT)
        except Exception as exc:
            raise request_failed(error_kind(exc), exc, None, self.IO_TIMEOUT, "connect")
        with sock:
            start, k = now_ns(), 1
            while self.interval_ns * k <= self.hold_ns:
                due = start + self.interval_ns * k
                time.sleep(max(0, due - now_ns()) / 1e9)
                try:
                    self._exchange_sync(sock)
                except Exception as exc:
                    raise request_failed(error_kind(exc), exc, None, self.IO_TIMEOUT, "ping %d" % k)
                REQUESTS.ok(due)  # from the intended send time: a late echo delays the next ping
                k += 1
            time.sleep(max(0, start + self.hold_ns - now_ns()) / 1e9)
        return k - 1

    def _exchange_sync(self, sock):
        deadline = time.monotonic() + self.IO_TIMEOUT
        sock.settimeout(self.IO_TIMEOUT)
        sock.sendall(self.message)
        left = echo_left(len(self.message), sock.recv(BUF))
        while left:
            sock.settimeout(time_left(deadline))
            left = echo_left(left, sock.recv(BUF))

    async def run_async(self, i):
        try:
            reader, writer = await asyncio.wait_for(connect_async(self.addrs), self.IO_TIMEOUT)
        except Exception as exc:
            raise request_failed(error_kind(exc), exc, None, self.IO_TIMEOUT, "connect")
        start, k = now_ns(), 1
        try:
            while self.interval_ns * k <= self.hold_ns:
                due = start + self.interval_ns * k
                await asyncio.sleep(max(0, due - now_ns()) / 1e9)
                try:
                    await asyncio.wait_for(self._exchange_async(reader, writer), self.IO_TIMEOUT)
                except Exception as exc:
                    raise request_failed(error_kind(exc), exc, None, self.IO_TIMEOUT, "ping %d" % k)
                REQUESTS.ok(due)
                k += 1
            await asyncio.sleep(max(0, start + self.hold_ns - now_ns()) / 1e9)
        finally:
            writer.close()
        return k - 1

    async def _exchange_async(self, reader, writer):
        writer.write(self.message)
        await writer.drain()
        left = echo_left(len(self.message), await reader.read(BUF))
        while left:
            left = echo_left(left, await reader.read(BUF))

    def client(self, asynchronous):
        return "conlab echo exchange on %s, one connection per task" % (
            "asyncio streams" if asynchronous else "blocking sockets")


class Blocking(Workload):
    """A real sync-only library call (sqlite3) that takes about `call`: `SELECT
    conlab_wait(us)` (an application-defined function that blocks) or, with mode=cpu, a
    calibrated recursive CTE. Under asyncio it runs on the loop unless offload=true, which
    sends it through run_in_executor (see src/workload/blocking.rs)."""

    QUERY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT sum(x) FROM c"

    def __init__(self, w, target, lib):
        import sqlite3
        self.sqlite3 = sqlite3
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
        db.create_function("conlab_wait", 1, lambda us: time.sleep(us / 1e6) or us)
        try:
            return db.execute("SELECT conlab_wait(?)", (int(self.call * 1e6),)).fetchone()[0]
        finally:
            db.close()

    def run_sync(self, i):
        return self._wait() if self.wait else self._cpu(self.rows)

    async def run_async(self, i):
        if self.offload:
            return await asyncio.get_running_loop().run_in_executor(None, self.run_sync, i)
        return self.run_sync(i)  # on the loop, on purpose: what blocking it costs

    def client(self, asynchronous):
        query = "SELECT conlab_wait(DUR)" if self.wait else "a calibrated recursive CTE"
        how = ("through run_in_executor" if self.offload else "on the event loop (blocking it)") if asynchronous \
            else "on the task's thread"
        return "SQLite %s via sqlite3, %s, %s" % (self.sqlite3.sqlite_version, query, how)


class SetupFailed(Exception):
    """The user's task could not be prepared (import, missing function, setup): the cell
    fails with this one line, and no task runs."""


class UserTaskError(Exception):
    """An exception of the user's task: counted by its kind ("error" for anything that is
    not an OS or network error), described as "TypeName: message"."""

    def __init__(self, exc):
        Exception.__init__(self)
        self.kind = error_kind(exc)
        text = " ".join(str(exc).split())
        self.text = "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def where_in(path, exc):
    """ "line N (`code`)" of the deepest frame of `exc` in the user's file, if any."""
    import traceback
    if isinstance(exc, SyntaxError) and exc.filename == path:
        code = (exc.text or "").strip()
        return "line %s (`%s`)" % (exc.lineno, code) if code else "line %s" % exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    if not frames:
        return None
    f = frames[-1]
    return "line %d (`%s`)" % (f.lineno, (f.line or "").strip()) if f.line else "line %d" % f.lineno


def one_line(exc):
    text = " ".join(str(exc).split())
    if isinstance(exc, SyntaxError):
        text = exc.msg or text
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def import_user_module(given, sha):
    """The user's module, executed from the exact bytes conlab hashed when it parsed the
    spec (a file edited since is refused, so results never name code they did not run)."""
    import hashlib
    import types
    path = os.path.abspath(given)
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as exc:
        raise SetupFailed("cannot read %s: %s" % (given, exc.strerror or exc))
    now = hashlib.sha256(source).hexdigest()[:len(sha)]
    if now != sha:
        raise SetupFailed("%s changed after conlab read it (sha=%s asked for, the file is now sha=%s)"
                          % (given, sha, now))
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() and stem not in sys.modules else "conlab_user_" + stem.replace("-", "_")
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module  # what pickle, dataclasses and typing look a module up by
    sys.path.insert(0, os.path.dirname(path))  # its own helper modules beside it import
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        where = where_in(path, exc)
        raise SetupFailed("importing %s failed%s: %s" % (given, " at " + where if where else "", one_line(exc)))
    return module


class PyTask(Workload):
    """The user's own task (`py-task`): `fn(i)` for thread, pool and process models,
    `async def afn(i)` for asyncio ones, imported and set up before the ready mark. With
    `adapt`, a model whose function is missing runs the other the way users do:
    `asyncio.to_thread(fn, i)` on the loop, `asyncio.run(afn(i))` in a thread."""

    def __init__(self, w, target, lib):
        import inspect
        self.given, self.sha, self.adapt = w["file"], w["sha"], bool(w.get("adapt"))
        rss = proc_status().get("VmRSS", 0)
        start = now_ns()
        module = import_user_module(self.given, self.sha)
        imported = now_ns()

        def function(key, asynchronous):
            name = w.get(key)
            if not name:
                return None
            f = getattr(module, name, None)
            if f is None:
                raise SetupFailed("%s has no %s '%s'" % (self.given, "async function" if asynchronous else "function",
                                                          name))
            if not callable(f):
                raise SetupFailed("%s.%s is a %s, not a function" % (self.given, name, type(f).__name__))
            if asynchronous != inspect.iscoroutinefunction(f):
                raise SetupFailed("%s.%s must be %s (%s=%s)" % (
                    self.given, name, "an async def" if asynchronous else "a plain def, not async", key, name))
            return f

        self.func = function("fn", False)
        self.afunc = function("afn", True)
        self.fn_name, self.afn_name = w.get("fn"), w.get("afn")
        setup = function("setup", False)
        setup_s = None
        if setup is not None:
            begun = now_ns()
            try:
                setup()
            except Exception as exc:
                where = where_in(module.__file__, exc)
                raise SetupFailed("%s() raised%s: %s" % (w["setup"], " at " + where if where else "", one_line(exc)))
            setup_s = (now_ns() - begun) / 1e9
        self.setup_report = {"import_s": (imported - start) / 1e9, "setup_s": setup_s,
                             "rss_bytes": max(0, proc_status().get("VmRSS", 0) - rss)}

    def prepare(self, asynchronous):
        Workload.prepare(self, asynchronous)
        if not asynchronous and self.func is None:
            load_asyncio()  # asyncio.run(afn(i)) per task
        if asynchronous and self.afunc is None:
            import concurrent.futures.thread  # what to_thread's default executor imports

    def run_sync(self, i):
        try:
            if self.func is not None:
                return self.func(i)
            return asyncio.run(self.afunc(i))
        except Exception as exc:
            raise UserTaskError(exc)

    async def run_async(self, i):
        try:
            if self.afunc is not None:
                return await self.afunc(i)
            to_thread = getattr(asyncio, "to_thread", None)
            if to_thread is not None:
                return await to_thread(self.func, i)
            return await asyncio.get_running_loop().run_in_executor(None, self.func, i)
        except Exception as exc:
            raise UserTaskError(exc)

    def client(self, asynchronous):
        where = "%s (sha=%s)" % (self.given, self.sha)
        if asynchronous and self.afunc is not None:
            return "your %s(i) from %s, awaited on the event loop" % (self.afn_name, where)
        if asynchronous:
            return "your %s(i) from %s through asyncio.to_thread (adapted: no afn)" % (self.fn_name, where)
        if self.func is not None:
            return "your %s(i) from %s" % (self.fn_name, where)
        return "your %s(i) from %s through asyncio.run per task (adapted: no fn)" % (self.afn_name, where)


WORKLOADS = {"sleep": Sleep, "cpu": Cpu, "mixed": Mixed, "http": Http, "tcp": Tcp, "blocking": Blocking,
             "py-task": PyTask}


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
        self.loop_lag = None  # Buckets, for the asyncio models
        self.abandoned = None  # a process pool that must not be shut down (see model_process)
        self.shares = []  # each worker's share, for the models that split the tasks

    def mark_ready(self):
        """The ready mark: the tasks start from here. The process's peak RSS starts again
        from its current RSS, so the cell's peak is its work's and not its start-up's, as
        in a Rust cell (the parent's sampler keeps to the same window)."""
        reset_peak()
        self.ready_ns = now_ns()

    def task_error(self, exc):
        kind = error_kind(exc)
        with self.lock:
            self.failed += 1
            if self.first_error is None:
                self.first_error = describe(exc, kind)
            if not isinstance(exc, TaskFailed):  # else counted per request already
                self.errors[kind] = self.errors.get(kind, 0) + 1

    def count_errors(self, kind, count, message):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + count
            self.failed += count
            if self.first_error is None:
                self.first_error = "%s: %s" % (kind, message)


def describe(exc, kind):
    """"kind: message" (a TaskFailed already reads so)."""
    if isinstance(exc, TaskFailed):
        return str(exc)
    if isinstance(exc, UserTaskError):
        return "%s: %s" % (kind, exc.text)
    return "%s: %s" % (kind, failure_message(kind, exc, None))


def run_one(work, cell, i):
    cell.starts[i] = now_ns()
    try:
        work.run_sync(i)
    except Exception as exc:
        cell.task_error(exc)
    cell.ends[i] = now_ns()


def task_body(work, cell, offset=0):
    """The coroutine function every asyncio task runs: `task(i)` runs task i and writes its
    start and end to the cell's slot i - offset (a hybrid worker's cell holds only its
    share). What it needs is bound once here, so a task is a coroutine with one argument
    awaiting the workload's coroutine: the shape of `create_task(fetch(url))`, at the
    cost of a hand-written one (benches/python_accuracy.py compares them)."""
    starts, ends, run, error = cell.starts, cell.ends, work.run_async, cell.task_error

    async def task(i):
        starts[i - offset] = now_ns()
        try:
            await run(i)
        except Exception as exc:
            error(exc)
        ends[i - offset] = now_ns()

    return task


async def heartbeat(loop, done, lag):
    while not done:
        due = loop.time() + 0.001
        await asyncio.sleep(0.001)
        lag.record(max(0.0, loop.time() - due) * 1e6)


def model_thread(work, cell, n, workers):
    cell.runner = "%d threading.Thread threads (stack %s)" % (n, threading.stack_size() or "default")
    cell.mark_ready()
    threads = []
    for i in range(n):
        t = threading.Thread(target=run_one, args=(work, cell, i))
        try:
            t.start()
        except RuntimeError as exc:  # "can't start new thread"; conlab names the limit
            cell.failure = {"kind": "spawn-limit",
                            "message": "thread for task %d could not be started: %s" % (i, exc),
                            "at_task": i, "limit": None, "counters": spawn_counters()}
            cell.count_errors("not-started", n - i, "no thread could be created")
            break
        threads.append(t)
    cell.full = snapshot()
    for t in threads:
        t.join()


def model_pool(work, cell, n, workers):
    from concurrent.futures import ThreadPoolExecutor
    size = int(workers)
    cell.runner = "ThreadPoolExecutor(max_workers=%d) for %d tasks" % (size, n)
    cell.concurrency = min(size, n)
    cell.mark_ready()
    with ThreadPoolExecutor(max_workers=size) as pool:
        futures = [pool.submit(run_one, work, cell, i) for i in range(n)]
        cell.full = snapshot()
        for f in futures:
            f.result()


async def loop_share(work, cell, first, count, limit, lag, offset=0, mark=False):
    """Tasks first..first+count as asyncio tasks on the running loop, all at once, with a
    1 ms heartbeat whose lateness is the loop's lag. `mark`: this loop sets the cell's
    ready mark and full-concurrency snapshot (the single-loop model)."""
    if hasattr(work, "open_session"):
        await work.open_session(count, limit)
    loop = asyncio.get_running_loop()
    done = []
    beat = asyncio.ensure_future(heartbeat(loop, done, lag))
    if mark:
        cell.mark_ready()
    task = task_body(work, cell, offset)
    tasks = [loop.create_task(task(i)) for i in range(first, first + count)]
    if mark:
        cell.full = snapshot()
    await asyncio.gather(*tasks)
    done.append(True)
    await beat
    if hasattr(work, "close_session"):
        await work.close_session()


def run_loop(coroutine, use_uvloop):
    """Run a coroutine to its end on a new event loop (uvloop's when asked) in this thread."""
    if use_uvloop:
        import uvloop
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(coroutine)
    finally:
        loop.close()


def loop_name(use_uvloop):
    if use_uvloop:
        import uvloop
        return "uvloop %s event loop" % uvloop.__version__
    return "asyncio event loop"


def model_asyncio(work, cell, n, limit, use_uvloop=False):
    load_asyncio()
    cell.loop_lag = Buckets()
    cell.runner = ("%d asyncio tasks on uvloop %s" % (n, loop_name(True).split()[1]) if use_uvloop
                   else "%d asyncio tasks on one event loop" % n)
    run_loop(loop_share(work, cell, 0, n, limit, cell.loop_lag, mark=True), use_uvloop)


def shares_of(n, parts):
    """(index, first task, count) of `parts` contiguous shares of n tasks."""
    return [(w, w * n // parts, (w + 1) * n // parts - w * n // parts) for w in range(parts)] if n else []


def async_share(work, first, count, limit, use_uvloop):
    """Tasks first..first+count on a new event loop in this thread, all at once: the
    share's outcome as `take_share` reads it, its loop's lag included."""
    part, lag = Cell(count), Buckets()
    run_loop(loop_share(work, part, first, count, limit, lag, offset=first), use_uvloop)
    return {"starts": part.starts, "ends": part.ends, "errors": part.errors, "failed": part.failed,
            "first_error": part.first_error, "loop_lag": lag.wire()}


def take_share(cell, first, part, pid, hwm=None):
    """Fold one worker's share into the cell and record it in the cell's shares."""
    count = len(part["starts"])
    cell.starts[first:first + count] = part["starts"]
    cell.ends[first:first + count] = part["ends"]
    for kind, n in part["errors"].items():
        cell.errors[kind] = cell.errors.get(kind, 0) + n
    cell.failed += part["failed"]
    cell.first_error = cell.first_error or part["first_error"]
    if part.get("loop_lag"):
        cell.loop_lag.add_wire(part["loop_lag"])
    peak, _ = in_flight(part["starts"], part["ends"])  # sorts the share's arrays: their last use
    cell.shares.append({"pid": pid, "first_task": first, "tasks": count, "tasks_failed": part["failed"],
                        "peak_rss_bytes": hwm, "peak_in_flight": peak})


def model_asyncio_threads(work, cell, n, limit, use_uvloop, threads):
    """py-asyncio:threads=T: T threads, each with its own event loop running its share at
    once (one copy of the workload object per thread: an aiohttp session belongs to one
    loop). The GIL lets one of them run Python at a time."""
    import copy
    load_asyncio()
    name = loop_name(use_uvloop)  # imports uvloop before the mark
    shares = shares_of(n, max(1, min(int(threads), n)))
    cell.loop_lag = Buckets()
    cell.runner = "%d threads, one %s each, %d asyncio tasks in all" % (len(shares), name, n)
    parts = [None] * len(shares)

    def run(w, first, count, work):
        parts[w] = async_share(work, first, count, limit, use_uvloop)

    cell.mark_ready()
    runners = [threading.Thread(target=run, args=(w, first, count, copy.copy(work))) for w, first, count in shares]
    for t in runners:
        t.start()
    cell.full = snapshot()
    for t in runners:
        t.join()
    for (w, first, count), part in zip(shares, parts):
        take_share(cell, first, part, os.getpid())


# Set before the pool forks, so workers inherit them: the workload, libc (for prctl), the
# parent's pid, which worker process took each share (shared memory), and whether a fork
# is one of the pool's first workers (forked by the main thread, in Pool()).
_WORK = None
_LIBC = None
_PARENT = 0
_OWNERS = None
_FIRST_WORKERS = False
_ASYNC = None  # (limit, use_uvloop) for py-asyncio:procs=P: each share runs on an event loop


def _process_init():
    """Pool initializer: die with the parent (PR_SET_PDEATHSIG = SIGKILL).

    The signal follows the thread that forked, not the process: the pool forks the
    replacement of a dead worker from its worker-handler thread, which ends with the pool,
    and would kill the replacement then, possibly while it holds the task queue's lock. So
    only the first workers ask for it; a replacement ends anyway once the parent is gone
    (its task queue reads EOF)."""
    if _FIRST_WORKERS:
        try:
            if _LIBC is not None:
                _LIBC.prctl(1, 9)
        except Exception:
            pass
    if os.getppid() != _PARENT:  # the parent died before prctl took effect
        os._exit(1)


def _process_share(args):
    share, first, count = args
    _OWNERS[share] = os.getpid()
    if _ASYNC is not None:
        out = async_share(_WORK, first, count, *_ASYNC)
    else:
        out = _blocking_share(first, count)
    status = proc_status()
    out.update({"first": first, "pid": os.getpid(), "hwm": status.get("VmHWM", 0),
                "vm_peak": status.get("VmPeak", 0), "requests": REQUESTS.take()})
    return out


def _blocking_share(first, count):
    """A py-process worker's share, one task at a time."""
    starts, ends = array("q", bytes(8 * count)), array("q", bytes(8 * count))
    errors, failed, first_error = {}, 0, None
    for k in range(count):
        i = first + k
        starts[k] = now_ns()
        try:
            _WORK.run_sync(i)
        except Exception as exc:
            kind = error_kind(exc)
            failed += 1
            first_error = first_error or describe(exc, kind)
            if not isinstance(exc, TaskFailed):
                errors[kind] = errors.get(kind, 0) + 1
        ends[k] = now_ns()
    return {"starts": starts, "ends": ends, "errors": errors, "failed": failed, "first_error": first_error}


def _collect(pool, pending):
    """Wait for every share, or until the only ones left belong to dead workers (a pool
    never finishes a share whose worker died). Returns the lost shares' indices, and
    whether any worker died."""
    seen = {}
    while True:
        for p in list(getattr(pool, "_pool", ())):
            seen.setdefault(p.pid, p)
        dead = {pid for pid, p in seen.items() if p.exitcode is not None}
        waiting = [k for k, r in enumerate(pending) if not r.ready()]
        if not waiting:
            return [], bool(dead)
        if dead and all(_OWNERS[k] in dead for k in waiting):
            return waiting, True
        pending[waiting[0]].wait(0.1)


def model_process(work, cell, n, workers, hybrid=None):
    """multiprocessing.Pool with one contiguous share per worker, run one task at a time;
    with `hybrid` = (limit, use_uvloop), py-asyncio:procs=P: each worker runs its share at
    once on its own event loop."""
    import ctypes
    import multiprocessing
    # What Pool() and its workers' start import on first use, imported before the mark.
    import multiprocessing.pool
    import multiprocessing.popen_fork
    import multiprocessing.queues
    import multiprocessing.synchronize
    global _WORK, _LIBC, _PARENT, _OWNERS, _FIRST_WORKERS, _ASYNC
    _WORK = work
    _ASYNC = hybrid
    try:
        _LIBC = ctypes.CDLL(None)
    except OSError:
        _LIBC = None
    _PARENT = os.getpid()
    # The baseline (0 tasks) starts every worker too: their fixed cost is the model's.
    workers = max(1, min(int(workers), n) if n else int(workers))
    method = "fork"
    ctx = multiprocessing.get_context(method)
    shares = shares_of(n, workers)
    _OWNERS = ctx.Array("q", max(1, len(shares)), lock=False)
    cell.runner = "multiprocessing.Pool(%d), start method %s, one contiguous share per worker" % (workers, method)
    cell.concurrency = workers
    if hybrid is not None:
        load_asyncio()
        cell.runner += ", each share's tasks at once on the worker's own %s" % loop_name(hybrid[1])
        cell.concurrency = n
        cell.loop_lag = Buckets()
    cell.mark_ready()
    _FIRST_WORKERS = True
    pool = ctx.Pool(workers, initializer=_process_init)
    _FIRST_WORKERS = False
    try:
        pending = [pool.apply_async(_process_share, (s,)) for s in shares]
        cell.full = snapshot()
        lost, died = _collect(pool, pending)
        results = [r.get() for k, r in enumerate(pending) if k not in lost]
    except BaseException:
        pool.terminate()
        raise
    if died:
        # Pool.terminate() can hang once a worker died: a worker killed while waiting for
        # a task held the task queue's lock for good. So the pool is left as it is and the
        # driver ends with os._exit once it has reported; the workers follow it.
        cell.abandoned = pool
    else:
        pool.terminate()
    peaks = {}
    for r in results:
        take_share(cell, r["first"], r, r["pid"], r["hwm"])
        hwm, vm_peak = peaks.get(r["pid"], (0, 0))
        peaks[r["pid"]] = (max(hwm, r["hwm"]), max(vm_peak, r["vm_peak"]))
        if r["requests"]:
            cell.worker_requests.append(r["requests"])
    for hwm, vm_peak in peaks.values():  # a worker that ran two shares counts once
        cell.worker_hwm += hwm
        cell.worker_vm_peak += vm_peak
    if lost:
        count = sum(shares[k][2] for k in lost)
        message = "a worker process ended without a report (%d tasks lost)" % count
        cell.count_errors("worker-crashed", count, message)
        cell.failure = {"kind": "worker-crashed", "message": message, "at_task": None,
                        "limit": None, "counters": None}


MODELS = {"py-thread": model_thread, "py-pool": model_pool, "py-asyncio": model_asyncio, "py-process": model_process}


def merge_requests(parts):
    """The request logs of the cell's processes as one: counts and wires added."""
    parts = [p for p in parts if p]
    if not parts:
        return None
    latency = Buckets()
    out = {"ok": 0, "failed": 0, "errors": {}, "first_error": None}
    for p in parts:
        out["ok"] += p["ok"]
        out["failed"] += p["failed"]
        for k, v in p["errors"].items():
            out["errors"][k] = out["errors"].get(k, 0) + v
        out["first_error"] = out["first_error"] or p["first_error"]
        latency.add_wire(p["latency_us"])
    out["latency_us"] = latency.wire()
    return out


def task_wires(cell):
    """Per-task latency (end - start), start lag (start - ready) and caller latency (end -
    ready: how long the caller who submitted the batch at the ready mark waits for the
    task, queueing and start lag included), in us, as wires. One pass over the per-task
    arrays, after the work; tasks that never ran (end 0) are left out."""
    latency, lag, caller = Buckets(), Buckets(), Buckets()
    record_latency, record_lag, record_caller, ready = latency.record, lag.record, caller.record, cell.ready_ns
    for s, e in zip(cell.starts, cell.ends):
        if e:
            record_latency((e - s) // 1000)
            record_lag((s - ready) // 1000)
            record_caller((e - ready) // 1000)
    return latency.wire(), lag.wire(), caller.wire()


SORT_CHUNK = 1 << 16  # values sorted at once: bounds the sort's transient ints to ~3 MB


def sorted_in_place(a):
    """The array `a` sorted in place a chunk at a time, and an iterator over it in order
    (the chunks merged). Sorting all of it at once would hold a list of ints, 40 bytes a
    value, and the cell's measured peak memory would include it."""
    cuts = range(0, len(a), SORT_CHUNK)
    for i in cuts:
        a[i:i + SORT_CHUNK] = array("q", sorted(a[i:i + SORT_CHUNK]))
    return heapq.merge(*(islice(a, i, i + SORT_CHUNK) for i in cuts))


def in_flight(starts, ends):
    """(peak, total ns) over the tasks that ran: the most started and not yet finished at
    any instant, and the sum of their run times (over the work time, the mean number in
    flight: Little's law). Exact, across py-process workers too (one CLOCK_MONOTONIC):
    starts and ends sorted, then swept in time order, an end at the same ns as a start
    counted before it (a pool thread's next task does not overlap its last). A task that
    never ran has start and end 0 and is skipped. Sorts both arrays in place, so it is their
    last use; about 1.5 s and 3 MB at 1,000,000 tasks."""
    total = sum(ends) - sum(starts)
    done = chain(filter(None, sorted_in_place(ends)), (1 << 63,))  # a sentinel after the last end
    end = next(done)
    peak = running = 0
    for t in filter(None, sorted_in_place(starts)):
        while end <= t:
            running -= 1
            end = next(done)
        running += 1
        if running > peak:
            peak = running
    return peak, total


# ---------------------------------------------------------------------------------------
# The server side (serve-http, serve-tcp): a task is one accepted connection. The
# listening socket arrives bound and listening on fd 3 (conlab chose address and backlog);
# stdin's end of file says stop accepting. The handlers mirror the Rust ones: the same
# framing, one pre-built response, `latency` as asyncio.sleep in coroutines and
# time.sleep in threads (or time.sleep on the loop with blocking=true).

LISTENER_FD = 3
BACKLOG = 2048  # conlab's (cell/server.rs); asyncio.start_server listens again with it
MAX_HEAD = 16 * 1024


def announce_ready(cell):
    """The ready line: the parent starts the load generator when it reads it."""
    cell.mark_ready()
    sys.stdout.write(json.dumps({"ready_ns": cell.ready_ns}) + "\n")
    sys.stdout.flush()


class ServeHttp:
    """serve-http: per connection, read a request head, wait `latency`, answer."""

    def __init__(self, w):
        self.latency = int(w["latency_ns"]) / 1e9
        self.blocking = bool(w.get("blocking"))
        size = int(w["bytes"])
        self.response = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\n\r\n" % size) + b"x" * size

    @staticmethod
    def _head(buf):
        """(end of the first complete request head, whether it asks to close) or None."""
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        close = any(line.lower().startswith(b"connection:") and b"close" in line.lower()
                    for line in bytes(buf[:end]).split(b"\r\n"))
        return end + 4, close

    def serve_sync(self, conn):
        buf, served = bytearray(), 0
        while True:
            head = self._head(buf)
            if head is not None:
                del buf[:head[0]]
                if self.latency:
                    time.sleep(self.latency)
                conn.sendall(self.response)
                served += 1
                if head[1]:
                    return served
                continue
            if len(buf) >= MAX_HEAD:
                raise ProtocolError("request head longer than 16KiB")
            data = conn.recv(BUF)
            if not data:
                if buf:
                    raise ConnectionAbortedError("connection closed in the middle of a request")
                return served
            buf += data

    async def serve_async(self, reader, writer):
        buf, served = bytearray(), 0
        while True:
            head = self._head(buf)
            if head is not None:
                del buf[:head[0]]
                if self.blocking:
                    time.sleep(self.latency)
                elif self.latency:
                    await asyncio.sleep(self.latency)
                writer.write(self.response)
                await writer.drain()
                served += 1
                if head[1]:
                    return served
                continue
            if len(buf) >= MAX_HEAD:
                raise ProtocolError("request head longer than 16KiB")
            data = await reader.read(BUF)
            if not data:
                if buf:
                    raise ConnectionAbortedError("connection closed in the middle of a request")
                return served
            buf += data

    def describe(self, asynchronous):
        wait = ("a blocking time.sleep on the event loop" if asynchronous and self.blocking
                else "asyncio.sleep" if asynchronous else "time.sleep")
        return "conlab HTTP/1.1 keep-alive handler on %s, latency as %s" % (
            "asyncio streams" if asynchronous else "blocking sockets", wait)


class ServeTcp:
    """serve-tcp: per connection, read a `bytes`-byte message and echo it, until EOF."""

    def __init__(self, w):
        self.size = int(w["bytes"])

    def serve_sync(self, conn):
        echoed = 0
        while True:
            got = bytearray()
            while len(got) < self.size:
                data = conn.recv(self.size - len(got))
                if not data:
                    if got:
                        raise ConnectionAbortedError("connection closed in the middle of a message")
                    return echoed
                got += data
            conn.sendall(got)
            echoed += 1

    async def serve_async(self, reader, writer):
        echoed = 0
        while True:
            try:
                got = await reader.readexactly(self.size)
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    raise ConnectionAbortedError("connection closed in the middle of a message")
                return echoed
            writer.write(got)
            await writer.drain()
            echoed += 1

    def describe(self, asynchronous):
        return "conlab echo handler, %d-byte messages, on %s" % (
            self.size, "asyncio streams" if asynchronous else "blocking sockets")


SERVERS = {"serve-http": ServeHttp, "serve-tcp": ServeTcp}


class Stop:
    """Stdin's end of file: stop accepting. Models register what stopping means to them."""

    def __init__(self):
        self.raised = False
        self.actions = []
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        # The raw descriptor, not sys.stdin: a thread blocked inside sys.stdin holds its
        # lock, and a forked prefork worker closing sys.stdin would wait on it forever.
        while os.read(0, 65536):
            pass
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


def serve_thread(server, cell, n, workers, stop):
    """py-thread: an accept loop starting a thread per connection (socketserver's
    ThreadingMixIn shape)."""
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


def serve_pool(server, cell, n, workers, stop):
    """py-pool: an accept loop submitting each connection to a ThreadPoolExecutor; a
    connection waits for a free thread."""
    from concurrent.futures import ThreadPoolExecutor
    socket, sock = inherited_listener()
    stop.actions.append(lambda: sock.shutdown(socket.SHUT_RD))
    size = int(workers)
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


def serve_asyncio(server, cell, n, use_uvloop, stop):
    """py-asyncio: asyncio.start_server, a task per connection running the handler
    coroutine, as users write servers."""
    load_asyncio()
    cell.loop_lag = Buckets()
    cell.runner = "asyncio.start_server on %s, a task per connection" % loop_name(use_uvloop)
    socket, sock = inherited_listener()
    sock.setblocking(False)

    async def main():
        loop = asyncio.get_running_loop()
        closed = asyncio.Event()
        handlers = set()

        async def on_connection(reader, writer):
            i = new_connection(cell)
            handlers.add(asyncio.current_task())
            if len(cell.starts) == n:
                cell.full = snapshot()
            cell.starts[i] = now_ns()
            try:
                await server.serve_async(reader, writer)
            except Exception as exc:
                cell.task_error(exc)
            finally:
                writer.close()
            cell.ends[i] = now_ns()
            handlers.discard(asyncio.current_task())

        listening = await asyncio.start_server(on_connection, sock=sock, backlog=BACKLOG)

        def close():
            listening.close()
            closed.set()

        stop.actions.append(lambda: loop.call_soon_threadsafe(close))
        if stop.raised:
            close()
        done = []
        beat = asyncio.ensure_future(heartbeat(loop, done, cell.loop_lag))
        announce_ready(cell)
        await closed.wait()
        while handlers:
            await asyncio.gather(*list(handlers), return_exceptions=True)
        done.append(True)
        await beat

    run_loop(main(), use_uvloop)


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


def serve_process(server, cell, n, workers, stop):
    """py-process: prefork workers sharing the listening socket, each serving one
    connection at a time (gunicorn's sync workers)."""
    import multiprocessing
    socket, sock = inherited_listener()
    stop.actions.append(lambda: sock.shutdown(socket.SHUT_RD))
    ctx = multiprocessing.get_context("fork")
    size = int(workers)
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


def take_share_counts(cell, part):
    for kind, count in part["errors"].items():
        cell.errors[kind] = cell.errors.get(kind, 0) + count
    cell.failed += part["failed"]
    cell.first_error = cell.first_error or part["first_error"]


def run_server(spec, model, cell):
    """A server cell: serve until stdin closes."""
    kind, lib, workers = model["kind"], model.get("lib"), model.get("workers")
    server = SERVERS[spec["workload"]["kind"]](spec["workload"])
    stop = Stop()
    if kind == "py-asyncio":
        serve_asyncio(server, cell, spec["tasks"], lib == "uvloop", stop)
    else:
        {"py-thread": serve_thread, "py-pool": serve_pool, "py-process": serve_process}[kind](
            server, cell, spec["tasks"], workers, stop)
    return server.describe(kind == "py-asyncio")
def setup_failed(tasks, message):
    """The report of a cell whose workload could not be prepared: no task ran."""
    t = now_ns()
    report = {"ready_ns": t, "started_ns": t, "finished_ns": t, "tasks_ok": 0, "tasks_failed": 0, "errors": {},
              "first_error": None, "task_latency_us": [], "start_lag_us": [],
              "failure": {"kind": "setup", "message": message, "at_task": None, "limit": None, "counters": None},
              "runner": "nothing ran (%s %s)" % (sys.implementation.name, sys.version.split()[0]),
              "client": None, "requests": None, "concurrency": 0, "hwm_bytes": proc_status().get("VmHWM", 0),
              "vm_peak_bytes": proc_status().get("VmPeak", 0), "full": None, "checksum": 0}
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


def main():
    # One line: a server cell's stdin stays open after it, its end the signal to stop.
    spec = json.loads(sys.stdin.readline())
    tasks = int(spec["tasks"])
    model = spec["model"]
    lib = model.get("lib")
    w = spec["workload"]
    asynchronous = model["kind"] == "py-asyncio"
    if w["kind"] in SERVERS:
        cell = Cell(0)
        cell.concurrency = tasks
        described = run_server(spec, model, cell)
        client = lambda asynchronous: described  # noqa: E731
        tasks = len(cell.starts)  # connections accepted
        user_setup = None
    else:
        try:
            work = WORKLOADS[w["kind"]](w, spec.get("target") or {}, lib if lib in ("requests", "aiohttp") else None)
        except SetupFailed as exc:
            return setup_failed(tasks, str(exc))
        work.prepare(asynchronous)
        client = getattr(work, "client", lambda asynchronous: None)
        user_setup = getattr(work, "setup_report", None)
        cell = Cell(tasks)
        run_model(work, cell, tasks, model)
    finished = max(cell.ends) if tasks else now_ns()
    started = max(cell.starts) if tasks else cell.ready_ns

    status = proc_status()  # before the analysis below, whose memory is not the cell's
    task_latency, start_lag, caller_latency = task_wires(cell)
    peak_in_flight, task_ns_total = in_flight(cell.starts, cell.ends)
    client = client(asynchronous)
    report = {
        "ready_ns": cell.ready_ns,
        "started_ns": max(started, cell.ready_ns),
        "finished_ns": max(finished, cell.ready_ns),
        "tasks_ok": tasks - cell.failed,
        "tasks_failed": cell.failed,
        "errors": cell.errors,
        "first_error": cell.first_error,
        "task_latency_us": task_latency,
        "start_lag_us": start_lag,
        "caller_latency_us": caller_latency,
        "peak_in_flight": peak_in_flight,
        "task_ns_total": task_ns_total,
        "loop_lag_us": cell.loop_lag.wire() if cell.loop_lag is not None else None,
        "workers": cell.shares or None,
        "failure": cell.failure,
        "user_setup": user_setup,
        "runner": "%s (%s %s)" % (cell.runner, sys.implementation.name, sys.version.split()[0]),
        "client": client,
        "requests": merge_requests([REQUESTS.take()] + cell.worker_requests),
        "concurrency": cell.concurrency,
        "hwm_bytes": status.get("VmHWM", 0) + cell.worker_hwm,
        "vm_peak_bytes": status.get("VmPeak", 0) + cell.worker_vm_peak,
        "full": cell.full,
        "checksum": 0,
    }
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    if cell.abandoned is not None:
        os._exit(0)
    return 0


def run_model(work, cell, tasks, model):
    """Run the tasks of a client workload under the model."""
    kind, lib, workers = model["kind"], model.get("lib"), model.get("workers")
    use_uvloop = lib == "uvloop"
    if kind == "py-asyncio" and model.get("procs"):
        model_process(work, cell, tasks, model["procs"], hybrid=(model.get("limit"), use_uvloop))
    elif kind == "py-asyncio" and model.get("threads"):
        model_asyncio_threads(work, cell, tasks, model.get("limit"), use_uvloop, model["threads"])
    elif kind == "py-asyncio":
        model_asyncio(work, cell, tasks, model.get("limit"), use_uvloop=use_uvloop)
    else:
        MODELS[kind](work, cell, tasks, workers)


if __name__ == "__main__":
    sys.exit(main())
