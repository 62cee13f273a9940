"""serve-app's side of the driver: the user's app is imported from the hashed file with its
import timed, a module that does not import is one SetupFailed line, the counting wrappers
pass the app's answer through and count each request (a WSGI request ends when the stack
closes its answer), an ASGI app without lifespan is answered for it, and the registry
gives a user's app to a stack only."""

import asyncio
import hashlib
import os
import tempfile
import unittest

from conlab_driver import registry
from conlab_driver.errors import SetupFailed
from conlab_driver.servers.app import ServeApp, counted_asgi, counted_wsgi
from conlab_driver.servers.stacks import REQUESTS


def spec_for(source, interface="wsgi", app="app"):
    directory = tempfile.mkdtemp(prefix="conlab-app-test-")
    path = os.path.join(directory, "user_app_%d.py" % abs(hash(source)))
    with open(path, "w") as f:
        f.write(source)
    sha = hashlib.sha256(source.encode()).hexdigest()[:16]
    return {"interface": interface, "file": path, "app": app, "sha": sha}


class Importing(unittest.TestCase):
    def test_the_app_is_imported_and_its_import_timed(self):
        server = ServeApp(spec_for("def app(environ, start_response):\n    return [b'hi']\n"))
        self.assertTrue(callable(server.app))
        self.assertGreater(server.setup_report["import_s"], 0)
        self.assertIsNone(server.setup_report["setup_s"])
        self.assertTrue(server.in_stack().startswith("your WSGI app "))

    def test_a_module_that_does_not_import_is_one_line(self):
        with self.assertRaises(SetupFailed) as caught:
            ServeApp(spec_for("import os\nraise KeyError('db')\n"))
        message = str(caught.exception)
        self.assertIn("failed at line 2", message)
        self.assertNotIn("\n", message)
        with self.assertRaises(SetupFailed) as caught:
            ServeApp(spec_for("application = 1\n"))
        self.assertIn("has no app 'app'", str(caught.exception))
        with self.assertRaises(SetupFailed) as caught:
            ServeApp(spec_for("app = 1\n"))
        self.assertIn("is a int, not an app", str(caught.exception))

    def test_an_app_is_given_to_its_interfaces_stacks_only(self):
        server = ServeApp(spec_for("async def app(scope, receive, send):\n    pass\n", "asgi"))
        with self.assertRaises(SetupFailed):
            server.user_app("wsgi")
        self.assertTrue(callable(server.user_app("asgi")))


class Counting(unittest.TestCase):
    def setUp(self):
        REQUESTS.reset()

    def test_a_wsgi_request_ends_when_its_answer_is_closed(self):
        closed = []

        class Body(list):
            def close(self):
                closed.append(True)

        def app(environ, start_response):
            start_response("500 Internal Server Error", [])
            return Body([b"bro", b"ke"])

        seen = []
        answer = counted_wsgi(app)({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "7"},
                                   lambda status, headers: seen.append(status))
        self.assertEqual(b"".join(answer), b"broke")
        self.assertEqual(seen, ["500 Internal Server Error"])
        self.assertEqual(REQUESTS.part()["ends"], [0])  # not over until the stack closes it
        answer.close()
        part = REQUESTS.part()
        self.assertEqual(closed, [True])
        self.assertGreater(part["ends"][0], 0)
        self.assertEqual(part["peers"], ["127.0.0.1:7"])

    def test_an_app_that_raises_is_a_failed_request(self):
        def app(environ, start_response):
            raise ValueError("bad")

        with self.assertRaises(ValueError):
            counted_wsgi(app)({}, None)
        part = REQUESTS.part()
        self.assertEqual(part["failed"], 1)
        self.assertGreater(part["ends"][0], 0)

    def test_an_asgi_app_without_lifespan_is_answered_and_its_requests_counted(self):
        async def app(scope, receive, send):
            assert scope["type"] == "http"  # no lifespan, as many raw apps
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        wrapped = counted_asgi(app)

        async def run():
            sent = []
            life = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

            async def receive():
                return next(life)

            async def send(message):
                sent.append(message["type"])

            await wrapped({"type": "lifespan"}, receive, send)
            await wrapped({"type": "http", "client": ("127.0.0.1", 9)}, receive, send)
            return sent

        sent = asyncio.run(run())
        self.assertEqual(sent, ["lifespan.startup.complete", "lifespan.shutdown.complete",
                                "http.response.start", "http.response.body"])
        part = REQUESTS.part()
        self.assertEqual(len(part["starts"]), 1)
        self.assertEqual(part["peers"], ["127.0.0.1:9"])


class Registry(unittest.TestCase):
    def test_a_users_app_goes_to_a_stack_only(self):
        self.assertEqual(registry.server_model("serve-app", {"kind": "py-asyncio", "lib": "uvicorn"}),
                         "servers.stacks_uvicorn:serve")
        self.assertEqual(registry.server_model("serve-app", {"kind": "py-thread", "lib": "http.server"}),
                         "servers.stacks_httpserver:serve")
        with self.assertRaises(SetupFailed):
            registry.server_model("serve-app", {"kind": "py-thread", "lib": None})


if __name__ == "__main__":
    unittest.main()
