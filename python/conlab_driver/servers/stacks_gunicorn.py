"""gunicorn in-process (`gunicorn.app.base.BaseApplication`), binding `fd://3`, conlab's
socket: the worker classes people deploy Flask and Django on, each with the same WSGI
app answering serve-http (a `time.sleep`, which the gevent worker's monkey-patching turns
into a greenlet's wait):

- `py-pool+gunicorn:size=T`: one gthread worker with T threads;
- `py-process+gunicorn:workers=P`: P sync workers;
- `py-gevent+gunicorn`: one gevent worker;
- `py-asyncio+uvicorn:procs=P` (`stacks_uvicorn`): P of uvicorn's `UvicornWorker`.

This process is gunicorn's arbiter. The app is loaded here before the workers fork
(`preload_app`), so imports and loading come before the ready line, which is written when
every worker has booted. At stdin's end the arbiter gets SIGTERM, its graceful stop;
each worker writes its requests into a directory at its exit (`worker_exit`) and the
arbiter, once every worker has been reaped, folds them into the cell."""

import os
import shutil
import signal
import tempfile
import threading
import time

from . import common
from .common import announce_ready
from .stacks import REQUESTS, TASKS, app_of, record, take_workers

# What each worker class is called in gunicorn, and what its threads are.
CLASSES = {
    "py-pool": "gthread",
    "py-process": "sync",
    "py-gevent": "gevent",
}


def wsgi_app(answer):
    """serve-http's answer as a WSGI app."""

    def app(environ, start_response):
        i = REQUESTS.begin((environ.get("REMOTE_ADDR"), environ.get("REMOTE_PORT")))
        try:
            if answer.latency:
                time.sleep(answer.latency)  # gevent's worker patched it: a greenlet's wait
            start_response("200 OK", list(answer.headers))
            return [answer.body]
        except Exception as exc:
            REQUESTS.fail(exc)
            raise
        finally:
            REQUESTS.end(i)

    return app


def run(cell, app, worker_class, workers, threads, stop):
    """Run gunicorn's arbiter over `app` on conlab's socket until stdin's end; the workers'
    requests end up in the cell."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    shares = tempfile.mkdtemp(prefix="conlab-gunicorn-")
    REQUESTS.directory, REQUESTS.master = shares, os.getpid()
    master = os.getpid()
    booted_r, booted_w = os.pipe()

    def post_fork(server, worker):
        REQUESTS.reset()
        os.close(booted_r)

    def post_worker_init(worker):
        os.write(booted_w, b"w")  # this worker accepts from here on
        os.close(booted_w)

    def worker_exit(server, worker):
        REQUESTS.dump_if_worker()

    options = {
        "bind": ["fd://%d" % common.LISTENER_FD],
        "workers": workers,
        "worker_class": worker_class,
        "threads": threads or 1,
        "preload_app": True,
        "backlog": common.BACKLOG,
        "graceful_timeout": 5,
        "loglevel": "warning",
        "accesslog": None,
        "errorlog": "-",
        "control_socket_disable": True,
        "post_fork": post_fork,
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
    }

    class Application(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    def announce_when_booted():
        got = 0
        while got < workers:
            data = os.read(booted_r, workers)
            if not data:
                return  # the arbiter stopped before every worker booted: no ready line
            got += len(data)
        announce_ready(cell)

    arbiter = Arbiter(Application())  # loads the app (preload_app)
    threading.Thread(target=announce_when_booted, daemon=True).start()
    stop.actions.append(lambda: os.kill(master, signal.SIGTERM))  # gunicorn's graceful stop
    try:
        arbiter.run()
    except SystemExit as exc:
        if os.getpid() != master:  # a worker, ending: nothing of the arbiter's code for it
            os._exit(exc.code if isinstance(exc.code, int) else 0)
    os.close(booted_w)
    try:
        take_workers(cell, cell.stack, shares)
    finally:
        shutil.rmtree(shares, ignore_errors=True)


def serve(server, cell, n, model, stop):
    import gunicorn
    kind = model["kind"]
    worker_class = CLASSES[kind]
    threads = int(model["workers"]) if kind == "py-pool" else None
    workers = int(model["workers"]) if kind == "py-process" else 1
    app = app_of(server, "wsgi", wsgi_app)
    threaded = "%d threads" % threads if threads else "one thread"
    if worker_class == "gevent":
        import gevent
        threaded = "greenlets (gevent %s, up to 1000 connections per worker)" % gevent.__version__
    cell.stack = record("gunicorn", gunicorn.__version__, worker_class, workers, threads,
                        parser="gunicorn.http (python)", loop="gevent hub" if worker_class == "gevent" else None)
    cell.runner = "gunicorn %s: %d %s worker(s), %s each, WSGI app on fd://%d; %s" % (
        gunicorn.__version__, workers, worker_class, threaded, common.LISTENER_FD, TASKS)
    cell.concurrency = n if worker_class == "gevent" else (threads or workers)
    run(cell, app, worker_class, workers, threads, stop)
