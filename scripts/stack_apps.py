"""The apps conlab's Python server stacks serve, for running the same stacks by hand
(BENCHMARKS.md, "Python server stacks"): the serve-http answer (wait LATENCY_MS, then 200
with BYTES bytes) built by the driver's own code, so a stack started here serves exactly
what it serves in a conlab cell.

    CONLAB_LATENCY_MS=10 python3 scripts/stack_apps.py http.server 8001
    CONLAB_LATENCY_MS=10 python3 scripts/stack_apps.py aiohttp 8002
    CONLAB_LATENCY_MS=10 uvicorn --app-dir scripts stack_apps:asgi --port 8003 --log-level warning --no-access-log
    CONLAB_LATENCY_MS=10 gunicorn --chdir scripts -k gthread --threads 16 -b 127.0.0.1:8004 stack_apps:wsgi
    CONLAB_LATENCY_MS=10 gunicorn --chdir scripts -w 2 -b 127.0.0.1:8005 stack_apps:wsgi
    CONLAB_LATENCY_MS=10 gunicorn --chdir scripts -k gevent -b 127.0.0.1:8006 stack_apps:wsgi
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from conlab_driver.servers.http import ServeHttp  # noqa: E402
from conlab_driver.servers.stacks import Answer  # noqa: E402

# conlab listens with a backlog of 2048 for every model; http.server's default is 5 and
# aiohttp's 128, which at 64 or 1,000 simultaneous connects drops SYNs (a second's retry
# each). The same backlog as conlab's unless CONLAB_BACKLOG says otherwise.
BACKLOG = int(os.environ.get("CONLAB_BACKLOG", "2048"))
ANSWER = Answer(ServeHttp({"latency_ns": int(float(os.environ.get("CONLAB_LATENCY_MS", "10")) * 1e6),
                           "bytes": int(os.environ.get("CONLAB_BYTES", "128"))}))


def _wsgi():
    from conlab_driver.servers.stacks_gunicorn import wsgi_app
    return wsgi_app(ANSWER)


def _asgi():
    from conlab_driver.servers.stacks_uvicorn import asgi_app
    return asgi_app(ANSWER)


wsgi = _wsgi()
asgi = _asgi()


def main(stack, port):
    if stack == "http.server":
        from http.server import ThreadingHTTPServer
        from conlab_driver.servers.stacks_httpserver import handler

        class Server(ThreadingHTTPServer):
            request_queue_size = BACKLOG

        Server(("127.0.0.1", port), handler(ANSWER)).serve_forever()
    elif stack == "aiohttp":
        from aiohttp import web
        from conlab_driver.servers.stacks_aiohttp import application
        web.run_app(application(ANSWER), host="127.0.0.1", port=port, access_log=None, print=None,
                    backlog=BACKLOG)
    else:
        sys.exit("stack_apps.py: http.server or aiohttp (uvicorn and gunicorn run stack_apps:asgi / :wsgi)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
