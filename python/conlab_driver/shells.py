"""The two I/O shells around the codecs, which only move bytes: one on blocking sockets
(threads, pool, processes) and one on asyncio streams. Both connect to the address
looked up before the ready mark, set TCP_NODELAY, read BUF bytes at a time and give a
request one deadline over connect and exchange. The tcp workload's echo goes through
the same shells."""

import time

from .errors import ProtocolError
from .http1 import Response

# Bound by `workloads.base.load_asyncio` for the asyncio models only: importing asyncio
# costs about 9 MB, which a thread-model cell must not be charged for.
asyncio = None

BUF = 65536  # bytes per read, in both shells


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

    __slots__ = ("socket", "sock", "rest")

    def __init__(self, socket):
        self.socket = socket
        self.sock = None
        self.rest = b""  # bytes after the last response: the next one starts with them

    def fetch(self, endpoint, keepalive, timeout):
        """One request; the response's status."""
        deadline = time.monotonic() + timeout
        if self.sock is None:
            self.sock = connect_blocking(self.socket, endpoint.addrs, deadline)
        sock = self.sock
        sock.settimeout(time_left(deadline))
        sock.sendall(endpoint.request)
        response = Response(keepalive)
        done = bool(self.rest) and response.feed(self.rest)
        while not done:
            done = response.feed(sock.recv(BUF))
            if not done:
                sock.settimeout(time_left(deadline))
        self.rest = response.rest
        if response.closing:
            self.close()
        return response.status

    def close(self):
        self.rest = b""
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class AsyncConnection:
    """The asyncio shell: the codec over one stream pair, as BlockingConnection does it;
    the caller's wait_for gives the deadline."""

    __slots__ = ("reader", "writer", "rest")

    def __init__(self):
        self.reader = self.writer = None
        self.rest = b""  # as BlockingConnection's

    async def fetch(self, endpoint, keepalive):
        """One request; the response's status."""
        if self.writer is None:
            self.reader, self.writer = await connect_async(endpoint.addrs)
        self.writer.write(endpoint.request)
        await self.writer.drain()
        response = Response(keepalive)
        read = self.reader.read
        done = bool(self.rest) and response.feed(self.rest)
        while not done:
            done = response.feed(await read(BUF))
        self.rest = response.rest
        if response.closing:
            self.close()
        return response.status

    def close(self):
        self.rest = b""
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None
