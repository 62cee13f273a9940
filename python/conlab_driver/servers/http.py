"""serve-http's handler: per connection, read a request head, wait `latency`, answer."""

import time

from ..errors import ProtocolError
from ..shells import BUF
from . import common
from .common import Handler

asyncio = None  # bound by the asyncio server model


class ServeHttp(Handler):
    """serve-http: per connection, read a request head, wait `latency`, answer."""

    def __init__(self, w):
        self.latency = int(w["latency_ns"]) / 1e9
        self.blocking = bool(w.get("blocking"))
        from ..green import blocking_sleep
        self.stall = blocking_sleep()  # blocking=true under gevent: the hub stalls too
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
                    (self.stall if self.blocking else time.sleep)(self.latency)
                conn.sendall(self.response)
                served += 1
                if head[1]:
                    return served
                continue
            if len(buf) >= common.MAX_HEAD:
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
            if len(buf) >= common.MAX_HEAD:
                raise ProtocolError("request head longer than 16KiB")
            data = await reader.read(BUF)
            if not data:
                if buf:
                    raise ConnectionAbortedError("connection closed in the middle of a request")
                return served
            buf += data

    def describe(self, asynchronous):
        green = self.stall is not time.sleep
        wait = ("a blocking time.sleep on the event loop" if asynchronous and self.blocking
                else "asyncio.sleep" if asynchronous
                else "a blocking time.sleep on gevent's hub" if green and self.blocking
                else "time.sleep")
        return "conlab HTTP/1.1 keep-alive handler on %s, latency as %s" % (
            "asyncio streams" if asynchronous else "gevent-patched sockets" if green else "blocking sockets", wait)
