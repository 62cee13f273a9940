"""The library server stacks' shared parts: their apps answer what conlab's own serve-http
handler answers, the per-request count survives a worker process (a real fork), a worker
that leaves no count is an error and not a negative task count, and the registry gives a
stack only to serve-http."""

import asyncio
import importlib.util
import os
import shutil
import tempfile
import unittest

from conlab_driver import registry
from conlab_driver.cell import Cell
from conlab_driver.servers.http import ServeHttp
from conlab_driver.servers.stacks import REQUESTS, Answer, record, take_own, take_workers


def serve_http(latency_ns=0, size=128):
    return ServeHttp({"latency_ns": latency_ns, "bytes": size})


def have(name):
    return importlib.util.find_spec(name) is not None


class AnswerIsConlabsOwn(unittest.TestCase):
    def test_the_body_and_headers_are_the_handlers(self):
        server = serve_http(size=300)
        answer = Answer(server)
        self.assertEqual(answer.body, b"x" * 300)
        self.assertTrue(server.response.endswith(b"\r\n\r\n" + answer.body))
        self.assertIn(("Content-Length", "300"), answer.headers)
        self.assertIn(b"Content-Type: %s" % answer.content_type.encode(), server.response)


class Apps(unittest.TestCase):
    def setUp(self):
        REQUESTS.reset()

    @unittest.skipUnless(have("gunicorn"), "gunicorn is not installed: its WSGI app is not tested")
    def test_the_wsgi_app_answers_and_counts(self):
        from conlab_driver.servers.stacks_gunicorn import wsgi_app
        app = wsgi_app(Answer(serve_http(latency_ns=1000000)))
        seen = []
        body = b"".join(app({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "5000"},
                            lambda status, headers: seen.append((status, headers))))
        self.assertEqual(seen[0][0], "200 OK")
        self.assertEqual(body, b"x" * 128)
        part = REQUESTS.part()
        self.assertEqual(len(part["starts"]), 1)
        self.assertGreaterEqual(part["ends"][0] - part["starts"][0], 1000000)  # it waited the latency
        self.assertEqual(part["peers"], ["127.0.0.1:5000"])

    @unittest.skipUnless(have("uvicorn"), "uvicorn is not installed: its ASGI app is not tested")
    def test_the_asgi_app_answers_lifespan_and_http(self):
        from conlab_driver.servers.stacks_uvicorn import asgi_app
        app = asgi_app(Answer(serve_http()))

        async def run():
            sent = []

            async def send(message):
                sent.append(message)

            life = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

            async def receive():
                return next(life)

            await app({"type": "lifespan"}, receive, send)
            await app({"type": "http", "client": ("127.0.0.1", 6000)}, receive, send)
            return sent

        sent = asyncio.run(run())
        self.assertEqual([m["type"] for m in sent],
                         ["lifespan.startup.complete", "lifespan.shutdown.complete",
                          "http.response.start", "http.response.body"])
        self.assertEqual(sent[2]["status"], 200)
        self.assertEqual(sent[3]["body"], b"x" * 128)
        self.assertEqual(len(REQUESTS.part()["starts"]), 1)
        self.assertTrue(REQUESTS.seen["loop"].startswith(("asyncio", "uvloop")))


class WorkerShares(unittest.TestCase):
    def setUp(self):
        REQUESTS.reset()
        self.directory = tempfile.mkdtemp()
        REQUESTS.directory, REQUESTS.master = self.directory, os.getpid()

    def tearDown(self):
        REQUESTS.directory = REQUESTS.master = None
        shutil.rmtree(self.directory)

    def test_a_workers_requests_come_back_to_the_cell(self):
        pid = os.fork()
        if pid == 0:  # the worker: three requests from two clients, one failed
            try:
                REQUESTS.reset()
                for port in (1, 1, 2):
                    REQUESTS.end(REQUESTS.begin(("127.0.0.1", port)))
                REQUESTS.fail(ConnectionResetError("reset"))
                REQUESTS.seen["loop"] = "a loop"
                REQUESTS.dump_if_worker()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        REQUESTS.dump_if_worker()  # the master writes no share of its own
        cell, stack = Cell(0), record("gunicorn", "1", "sync", workers=1)
        take_workers(cell, stack, self.directory)
        self.assertEqual(len(cell.starts), 3)
        self.assertEqual(cell.failed, 1)
        self.assertEqual(cell.shares[0]["pid"], pid)
        self.assertEqual(cell.shares[0]["tasks"], 3)
        self.assertEqual(stack["connections"], 2)
        self.assertEqual(stack["loop"], "a loop")

    def test_a_worker_without_a_share_is_an_error_not_a_task(self):
        cell, stack = Cell(0), record("gunicorn", "1", "sync", workers=2)
        take_workers(cell, stack, self.directory)
        self.assertEqual(cell.errors, {"worker-crashed": 2})
        self.assertEqual(cell.failed, 0)
        self.assertEqual(len(cell.starts), 0)

    def test_a_single_process_stack_counts_its_own(self):
        REQUESTS.end(REQUESTS.begin(None))
        cell, stack = Cell(0), record("uvicorn", "1", "one process")
        take_own(cell, stack)
        self.assertEqual(len(cell.ends), 1)
        self.assertIsNone(stack["connections"])  # no client address seen: not guessed


class Registry(unittest.TestCase):
    def test_a_stack_serves_serve_http_only(self):
        aiohttp = {"kind": "py-asyncio", "lib": "aiohttp"}
        self.assertEqual(registry.server_model("serve-http", aiohttp), "servers.stacks_aiohttp:serve")
        self.assertEqual(registry.server_model("serve-tcp", aiohttp), "servers.loop:serve")
        self.assertEqual(registry.server_model("serve-http", {"kind": "py-asyncio", "lib": "uvloop"}),
                         "servers.loop:serve")
        for kind in ("py-pool", "py-process", "py-gevent"):
            self.assertEqual(registry.server_model("serve-http", {"kind": kind, "lib": "gunicorn"}),
                             "servers.stacks_gunicorn:serve")

    def test_every_stack_module_loads_lazily(self):
        for entry in registry.STACKS.values():
            module = entry.partition(":")[0]
            self.assertIsNotNone(importlib.util.find_spec("conlab_driver." + module), entry)


if __name__ == "__main__":
    unittest.main()
