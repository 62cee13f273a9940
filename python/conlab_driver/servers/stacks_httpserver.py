"""py-thread+http.server: the standard library's `http.server.ThreadingHTTPServer`, a
thread per connection, HTTP/1.1 keep-alive, serving conlab's socket: the threaded server
a Python user starts without installing anything."""

import sys
import time

from .common import announce_ready, inherited_listener
from .stacks import REQUESTS, TASKS, Answer, record, take_own


def handler(answer):
    """serve-http's answer as an http.server request handler class."""
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the connection serves request after request

        def do_GET(self):
            i = REQUESTS.begin(self.client_address)
            try:
                if answer.latency:
                    time.sleep(answer.latency)
                self.send_response(200)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)
            except Exception as exc:
                REQUESTS.fail(exc)
                raise
            finally:
                REQUESTS.end(i)

        do_POST = do_GET

        def log_message(self, format, *args):  # no access log: stderr is the cell's errors
            pass

    return Handler


def serve(server, cell, n, model, stop):
    from http.server import ThreadingHTTPServer
    Handler = handler(Answer(server))
    _, sock = inherited_listener()
    httpd = ThreadingHTTPServer(sock.getsockname()[:2], Handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = sock  # conlab's listener, bound and listening already
    httpd.daemon_threads = False  # server_close joins every connection's thread
    version = "stdlib %s" % sys.version.split()[0]
    cell.stack = record("http.server.ThreadingHTTPServer", version, "ThreadingMixIn (a thread per connection)",
                        parser="http.client.parse_headers")
    cell.runner = "http.server.ThreadingHTTPServer, a thread per connection, HTTP/1.1 keep-alive; %s" % TASKS
    stop.actions.append(httpd.shutdown)  # from the stop thread: serve_forever returns
    announce_ready(cell)
    if not stop.raised:
        httpd.serve_forever(poll_interval=0.05)
    httpd.server_close()
    take_own(cell, cell.stack)
