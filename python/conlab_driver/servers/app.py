"""serve-app: the user's own web app (ASGI or WSGI), imported in the server cell before
the ready line and served by a library stack in place of serve-http's answer. The import
is timed and its memory measured apart (`setup_report`, the cell's `user_setup`); every
request the app answers is counted as the stacks count their own (`stacks.REQUESTS`), so
a cell's tasks are the app's requests whichever stack served them.

The wrappers add only the counting: the app sees the scope or environ, the receive and
send, the start_response the stack gave, and the stack sees the app's answer as it was
(a WSGI body is passed through, closed when the stack closes it, which PEP 3333 makes
every server do; the request ends there)."""

from ..errors import SetupFailed
from ..measure import now_ns, proc_status
from ..workloads.pytask import import_user_module
from .common import Handler
from .stacks import REQUESTS, loop_of

STARTED = {"type": "lifespan.startup.complete"}
STOPPED = {"type": "lifespan.shutdown.complete"}


class ServeApp(Handler):
    """The user's app from `file`, attribute `app`, checked against the hash conlab took
    when it parsed the spec."""

    def __init__(self, w):
        self.interface, self.given, self.sha, self.name = w["interface"], w["file"], w["sha"], w["app"]
        rss = proc_status().get("VmRSS", 0)
        start = now_ns()
        module = import_user_module(self.given, self.sha)
        imported = now_ns()
        app = getattr(module, self.name, None)
        if app is None:
            raise SetupFailed("%s has no app '%s'" % (self.given, self.name))
        if not callable(app):
            raise SetupFailed("%s.%s is a %s, not an app" % (self.given, self.name, type(app).__name__))
        self.app = app
        self.setup_report = {"import_s": (imported - start) / 1e9, "setup_s": None,
                             "rss_bytes": max(0, proc_status().get("VmRSS", 0) - rss)}

    def user_app(self, interface):
        if interface != self.interface:  # the plan gives an app only to its interface's stacks
            raise SetupFailed("%s:%s is a %s app; this stack serves %s" % (
                self.given, self.name, self.interface.upper(), interface.upper()))
        return counted_asgi(self.app) if interface == "asgi" else counted_wsgi(self.app)

    def in_stack(self):
        return "your %s app %s:%s (sha=%s)" % (self.interface.upper(), self.given, self.name, self.sha)


def counted_wsgi(app):
    """`app` with each request counted, from the call to the close of its answer."""

    def counted(environ, start_response):
        i = REQUESTS.begin((environ.get("REMOTE_ADDR"), environ.get("REMOTE_PORT")))
        try:
            body = app(environ, start_response)
        except Exception as exc:
            REQUESTS.fail(exc)
            REQUESTS.end(i)
            raise
        return CountedBody(body, i)

    return counted


class CountedBody:
    """A WSGI app's answer on its way out: its chunks as they come, the request's end
    when the stack closes it."""

    def __init__(self, body, i):
        self.body, self.i = body, i

    def __iter__(self):
        try:
            for chunk in self.body:
                yield chunk
        except Exception as exc:
            REQUESTS.fail(exc)
            raise

    def close(self):
        try:
            close = getattr(self.body, "close", None)  # PEP 3333: call it if it is there
            if close is not None:
                close()
        finally:
            REQUESTS.end(self.i)


def counted_asgi(app):
    """`app` with each HTTP request counted; lifespan passed through with conlab's part
    added (`lifespan`)."""
    import asyncio

    async def counted(scope, receive, send):
        if scope["type"] == "lifespan":
            return await lifespan(app, scope, receive, send)
        if scope["type"] != "http":
            return await app(scope, receive, send)
        i = REQUESTS.begin(scope.get("client"))
        if "loop" not in REQUESTS.seen:
            REQUESTS.seen["loop"] = loop_of(asyncio.get_running_loop())
        try:
            await app(scope, receive, send)
        except Exception as exc:
            REQUESTS.fail(exc)
            raise
        finally:
            REQUESTS.end(i)

    return counted


async def lifespan(app, scope, receive, send):
    """The app's own lifespan, as uvicorn runs it, and a worker's requests written when
    shutdown comes (uvicorn re-raises the SIGTERM it caught once it has shut down, so
    gunicorn's worker_exit never runs in its workers). An app that does not speak
    lifespan (it raises or returns before its startup is complete) is answered here, as
    uvicorn's `lifespan="auto"` lets such an app be."""
    state = {"started": False, "asked": False}

    async def heard():
        message = await receive()
        if message["type"] == "lifespan.startup":
            state["asked"] = True
        elif message["type"] == "lifespan.shutdown":
            REQUESTS.dump_if_worker()
        return message

    async def said(message):
        if message["type"] == "lifespan.startup.complete":
            state["started"] = True
        await send(message)

    try:
        await app(scope, heard, said)
    except Exception:
        if state["started"]:
            raise
    if state["started"]:
        return
    if not state["asked"]:
        await receive()  # the startup message the app did not take
    await send(STARTED)
    await receive()  # shutdown
    REQUESTS.dump_if_worker()
    await send(STOPPED)
