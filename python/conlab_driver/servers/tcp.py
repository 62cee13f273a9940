"""serve-tcp's handler: per connection, read a `bytes`-byte message and echo it, until EOF."""

from ..green import sockets_name
from .common import Handler

asyncio = None  # bound by the asyncio server model


class ServeTcp(Handler):
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
            self.size, "asyncio streams" if asynchronous else sockets_name())
