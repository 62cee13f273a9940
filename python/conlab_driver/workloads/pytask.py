"""`py-task`: the user's own module, imported (and its setup called) before the ready mark."""

import os
import sys

from ..errors import SetupFailed, UserTaskError
from ..measure import now_ns, proc_status
from .base import Workload, load_asyncio

asyncio = None  # bound by prepare when a model needs it


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
        if asynchronous or self.func is None:  # without fn: asyncio.run(afn(i)) per task
            load_asyncio(sys.modules[__name__])
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
