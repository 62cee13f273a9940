"""py-asyncio as a server: asyncio.start_server, a task per connection."""

import sys

from ..workloads.base import load_asyncio
from ..measure import Buckets, now_ns, snapshot
from . import common
from .common import announce_ready, inherited_listener, new_connection


def serve(server, cell, n, model, stop):
    """py-asyncio: asyncio.start_server, a task per connection running the handler
    coroutine, as users write servers."""
    asyncio = load_asyncio(sys.modules[type(server).__module__])
    from ..aio import heartbeat, loop_name, run_loop
    use_uvloop = model.get("lib") == "uvloop"
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

        listening = await asyncio.start_server(on_connection, sock=sock, backlog=common.BACKLOG)

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
