"""A target that serves one request at a time: `python3 benches/stall_server.py [MS]`
prints its URL, then answers every GET after MS ms (default 20) while holding one lock,
whatever the number of connections (1000 / MS requests/s at most). The stalling server
of BENCHMARKS.md's open-loop Python runs, as tests/it/python.rs's `stalling_server` is
the test's: an open loop faster than it shows the queue, a closed loop hides it."""

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TURN = threading.Lock()
WAIT = (int(sys.argv[1]) if len(sys.argv) > 1 else 20) / 1000


class OneAtATime(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as conlab's clients use it

    def do_GET(self):
        with TURN:
            time.sleep(WAIT)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), OneAtATime)
    server.daemon_threads = True
    print("http://127.0.0.1:%d/" % server.server_address[1], flush=True)
    server.serve_forever()
