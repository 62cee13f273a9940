"""`tcp`: each task holds one connection to the echo port, pinging it every `interval`."""

import sys
import time

from .. import shells
from ..errors import error_kind
from ..green import sockets_name
from ..http1 import split_host_port
from ..log import REQUESTS, request_failed
from ..measure import now_ns
from ..shells import BUF, connect_async, connect_blocking, echo_left, resolve, time_left
from .base import Workload, load_asyncio

asyncio = None  # bound by prepare for the asyncio models


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
        if asynchronous:
            load_asyncio(sys.modules[__name__], shells)
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
            "asyncio streams" if asynchronous else sockets_name())
