"""py-thread+http.server: the standard library's `http.server.ThreadingHTTPServer`, a
thread per connection, HTTP/1.1 keep-alive, serving conlab's socket: the threaded server
a Python user starts without installing anything. A user's WSGI app (serve-app) runs on
the same threading server through `wsgiref.simple_server`, the standard library's WSGI
server."""

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


def wsgi_server(app):
    """`wsgiref.simple_server` on a threading server: the standard library's way to run a
    WSGI app, a thread per connection (wsgiref answers one request per connection, in
    HTTP/1.0, and closes it)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = False  # server_close joins every connection's thread

    class Handler(WSGIRequestHandler):
        def get_environ(self):
            environ = super().get_environ()
            environ["REMOTE_PORT"] = str(self.client_address[1])  # the stacks' peers: address and port
            return environ

        def log_message(self, format, *args):  # no access log: stderr is the cell's errors
            pass

    def build(addr):
        httpd = Server(addr, Handler, bind_and_activate=False)
        httpd.set_app(app)
        return httpd

    return build


def serve(server, cell, n, model, stop):
    from http.server import ThreadingHTTPServer
    _, sock = inherited_listener()
    addr = sock.getsockname()[:2]
    version = "stdlib %s" % sys.version.split()[0]
    app = server.user_app("wsgi")
    if app is None:
        httpd = ThreadingHTTPServer(addr, handler(Answer(server)), bind_and_activate=False)
        httpd.daemon_threads = False  # server_close joins every connection's thread
        cell.stack = record("http.server.ThreadingHTTPServer", version, "ThreadingMixIn (a thread per connection)",
                            parser="http.client.parse_headers")
        cell.runner = "http.server.ThreadingHTTPServer, a thread per connection, HTTP/1.1 keep-alive; %s" % TASKS
    else:
        httpd = wsgi_server(app)(addr)
        httpd.server_name, httpd.server_port = addr  # what server_bind would have set
        httpd.setup_environ()
        cell.stack = record("wsgiref.simple_server", version,
                            "ThreadingMixIn (a thread per connection), one request per connection",
                            parser="http.client.parse_headers")
        cell.runner = ("wsgiref.simple_server on a ThreadingMixIn server, a thread per connection, "
                       "HTTP/1.0, one request per connection; %s" % TASKS)
    httpd.socket.close()
    httpd.socket = sock  # conlab's listener, bound and listening already
    stop.actions.append(httpd.shutdown)  # from the stop thread: serve_forever returns
    announce_ready(cell)
    if not stop.raised:
        httpd.serve_forever(poll_interval=0.05)
    httpd.server_close()
    take_own(cell, cell.stack)
