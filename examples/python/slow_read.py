"""requests' timeout is per read, not for the whole request: measured.

`requests.get(url, timeout=1)` gives up when one read waits longer than a second, not
when the request has taken a second. A server that sends its answer a byte at a time,
each byte sooner than the timeout, keeps such a request going far longer. conlab's own
server cannot show this (it sends each answer whole after its latency, so there a
per-read timeout ends a slow request as a whole-request one would), so `setup()` starts
a loopback server that trickles: the headers at once, then one body byte every
`TRICKLE_S` seconds, `BYTES` of them. `fetch(i)` asks it with `timeout=TIMEOUT_S` and
checks the whole body arrived; the cell's work time is how long that took.

    conlab bench --workload py-task:file=examples/python/slow_read.py,fn=fetch,setup=setup \\
                 --models py-thread --tasks 1,10 --repeat 1

Every task takes about BYTES x TRICKLE_S = 3 s, three times its 1 s timeout, and none
times out. Needs `pip install requests`.
"""

import socket
import socketserver
import threading
import time

import requests

TIMEOUT_S = 1.0
TRICKLE_S = 0.5
BYTES = 6

_url = None


class _Trickle(socketserver.BaseRequestHandler):
    def handle(self):
        # The request head, up to its blank line.
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % BYTES
        )
        for _ in range(BYTES):
            time.sleep(TRICKLE_S)
            self.request.sendall(b"x")


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def setup():
    """Start the trickling server on a loopback port, before the ready mark."""
    global _url
    server = _Server(("127.0.0.1", 0), _Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address
    _url = "http://%s:%d/" % (host, port)
    # It answers (headers at once) before anything is measured.
    with socket.create_connection((host, port), timeout=5):
        pass


def fetch(i):
    started = time.monotonic()
    response = requests.get(_url, timeout=TIMEOUT_S)
    body = response.content
    took = time.monotonic() - started
    if len(body) != BYTES:
        raise RuntimeError("got %d of %d bytes" % (len(body), BYTES))
    if took <= TIMEOUT_S:
        raise RuntimeError("the answer took %.2fs, not beyond the %.0fs timeout" % (took, TIMEOUT_S))
    return len(body)
