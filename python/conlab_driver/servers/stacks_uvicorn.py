"""py-asyncio+uvicorn[:procs=P]: uvicorn serving an ASGI app (the serve-http answer after
an `await asyncio.sleep`) on conlab's socket, with httptools and uvloop when installed
(uvicorn's `auto`), as FastAPI and Starlette apps are deployed.

One process: `uvicorn.Config` and `uvicorn.Server` on fd 3 in this process, stopped by
`server.should_exit` at stdin's end. `procs=P`: gunicorn's arbiter with P of uvicorn's
`UvicornWorker` (`stacks_gunicorn.run`), the multi-process deployment uvicorn's own docs
long recommended; each worker's loop and parser are what it reports at its exit."""

import asyncio
import time
import warnings

from . import common
from .common import announce_ready, inherited_listener
from .stacks import REQUESTS, TASKS, app_of, loop_of, record, take_own

WORKER = "uvicorn.workers.UvicornWorker"


def asgi_app(answer):
    """serve-http's answer as an ASGI app (lifespan answered, so no stack warns)."""
    start = {"type": "http.response.start", "status": 200,
             "headers": [(k.lower().encode(), v.encode()) for k, v in answer.headers]}
    body = {"type": "http.response.body", "body": answer.body}

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    # A worker's last word: uvicorn re-raises the SIGTERM it caught once it
                    # has shut down, so gunicorn's worker_exit hook never runs in it.
                    REQUESTS.dump_if_worker()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        i = REQUESTS.begin(scope.get("client"))
        if "loop" not in REQUESTS.seen:
            REQUESTS.seen["loop"] = loop_of(asyncio.get_running_loop())
        try:
            if answer.blocking:
                time.sleep(answer.latency)
            elif answer.latency:
                await asyncio.sleep(answer.latency)
            await send(start)
            await send(body)
        except Exception as exc:
            REQUESTS.fail(exc)
            raise
        finally:
            REQUESTS.end(i)

    return app


def parser_of(protocol_class):
    """`httptools 0.6.4` or `h11 0.14.0`: the HTTP parser behind uvicorn's protocol."""
    name = "httptools" if "httptools" in protocol_class.__module__ else "h11"
    from .stacks import version
    return "%s %s" % (name, version(name))


def serve(server, cell, n, model, stop):
    import uvicorn
    app = app_of(server, "asgi", asgi_app)
    procs = model.get("procs")
    if procs:
        return _serve_workers(app, uvicorn, cell, int(procs), stop)
    # The listener goes to uvicorn as a socket object (`Server.run(sockets=...)`, the way
    # gunicorn's UvicornWorker hands over its own), not as `Config(fd=3)`: uvicorn wraps a
    # bare descriptor as AF_UNIX, so its connections got no TCP_NODELAY (each answer's two
    # writes met the client's delayed ACK, 40 ms) unless set on the listener by hand. As
    # the TCP socket it is, the loop sets TCP_NODELAY itself, as for `uvicorn --port`.
    _, sock = inherited_listener()
    config = uvicorn.Config(app, loop="auto", http="auto", lifespan="on",
                            log_level="warning", access_log=False, backlog=common.BACKLOG,
                            timeout_graceful_shutdown=5)
    config.load()  # the protocol and the loop imported before the ready line

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            cell.stack = record("uvicorn", uvicorn.__version__, "uvicorn.Server (one process)",
                                parser=parser_of(config.http_protocol_class),
                                loop=loop_of(asyncio.get_running_loop()))
            cell.runner = "uvicorn %s, ASGI app on fd %d, %s, %s; %s" % (
                uvicorn.__version__, common.LISTENER_FD, cell.stack["parser"], cell.stack["loop"], TASKS)
            announce_ready(cell)

    uv = Server(config)
    stop.actions.append(lambda: setattr(uv, "should_exit", True))
    uv.run(sockets=[sock])
    take_own(cell, cell.stack)


def _serve_workers(app, uvicorn, cell, procs, stop):
    import gunicorn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uvicorn.workers says it moves to uvicorn-worker
        import uvicorn.workers  # noqa: F401  (loaded before the workers fork)
    config = uvicorn.Config(app, loop="auto", http="auto")
    config.load()  # their protocol and loop imported here, before the workers fork
    cell.stack = record("uvicorn", uvicorn.__version__, "%s (gunicorn %s arbiter)" % (WORKER, gunicorn.__version__),
                        workers=procs, parser=parser_of(config.http_protocol_class))
    cell.runner = "uvicorn %s: %d gunicorn UvicornWorker processes, ASGI app on fd://%d, %s; %s" % (
        uvicorn.__version__, procs, common.LISTENER_FD, cell.stack["parser"], TASKS)
    cell.concurrency = cell.concurrency or procs
    from .stacks_gunicorn import run
    run(cell, app, WORKER, procs, None, stop)
