"""py-asyncio+aiohttp on serve-http: aiohttp.web (`web.AppRunner` + `web.SockSite`) on
conlab's socket, a handler coroutine awaiting `asyncio.sleep`: the asyncio web server
people deploy without uvicorn."""

import asyncio
import time

from . import common
from .common import announce_ready, inherited_listener
from .stacks import REQUESTS, TASKS, Answer, loop_of, record, take_own


def _parser():
    from aiohttp import http_parser
    c = getattr(http_parser, "HttpRequestParserC", None)
    return "llhttp (C)" if c is not None and http_parser.HttpRequestParser is c else "python"


def application(answer):
    """serve-http's answer as an aiohttp.web application, on every path."""
    from aiohttp import web

    async def handle(request):
        i = REQUESTS.begin(request.transport.get_extra_info("peername") if request.transport else None)
        try:
            if answer.blocking:
                time.sleep(answer.latency)
            elif answer.latency:
                await asyncio.sleep(answer.latency)
            return web.Response(body=answer.body, content_type=answer.content_type)
        except Exception as exc:
            REQUESTS.fail(exc)
            raise
        finally:
            REQUESTS.end(i)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def serve(server, cell, n, model, stop):
    import aiohttp
    from aiohttp import web
    app = application(Answer(server))
    _, sock = inherited_listener()
    sock.setblocking(False)

    async def main():
        loop = asyncio.get_running_loop()
        closed = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        # SockSite listens again with its backlog (128 unless told), shrinking conlab's
        # 2048: at 1,000 simultaneous connects the queue overflowed, and asyncio accepts at
        # most a backlog's worth per loop iteration. The same backlog as every model's.
        await web.SockSite(runner, sock, backlog=common.BACKLOG).start()
        cell.stack = record("aiohttp.web", aiohttp.__version__, "AppRunner + SockSite (one event loop)",
                            parser=_parser(), loop=loop_of(loop))
        cell.runner = "aiohttp.web on %s, a task per connection; %s" % (cell.stack["loop"], TASKS)
        stop.actions.append(lambda: loop.call_soon_threadsafe(closed.set))
        if stop.raised:
            closed.set()
        announce_ready(cell)
        await closed.wait()
        await runner.cleanup()

    asyncio.run(main())
    take_own(cell, cell.stack)
