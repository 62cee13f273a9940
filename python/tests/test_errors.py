"""The failure kinds the driver counts, and their messages in the Rust models' words."""

import asyncio
import errno
import os
import socket
import sys
import unittest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON not in sys.path:
    sys.path.insert(0, PYTHON)

from conlab_driver.errors import (ProtocolError, TaskFailed, UserTaskError, describe, error_kind,  # noqa: E402
                                  failure_message, format_duration, status_kind)


class ErrorKinds(unittest.TestCase):
    def test_os_errors(self):
        self.assertEqual(error_kind(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), "refused")
        self.assertEqual(error_kind(ConnectionResetError(errno.ECONNRESET, "reset")), "reset")
        self.assertEqual(error_kind(BrokenPipeError(errno.EPIPE, "pipe")), "reset")
        self.assertEqual(error_kind(OSError(errno.EMFILE, "too many")), "fd-limit")
        self.assertEqual(error_kind(OSError(errno.ENFILE, "too many")), "fd-limit")
        self.assertEqual(error_kind(OSError(errno.EADDRNOTAVAIL, "no port")), "no-ports")
        self.assertEqual(error_kind(OSError(errno.EIO, "io")), "io")

    def test_timeouts(self):
        self.assertEqual(error_kind(TimeoutError("timed out")), "timeout")
        self.assertEqual(error_kind(socket.timeout("timed out")), "timeout")
        self.assertEqual(error_kind(asyncio.TimeoutError()), "timeout")

    def test_closed_protocol_and_others(self):
        self.assertEqual(error_kind(EOFError("closed")), "closed")
        self.assertEqual(error_kind(asyncio.IncompleteReadError(b"", 10)), "closed")
        self.assertEqual(error_kind(ProtocolError("malformed")), "protocol")
        self.assertEqual(error_kind(TaskFailed("http-5xx", "status 500")), "http-5xx")
        self.assertEqual(error_kind(UserTaskError(ConnectionRefusedError(111, "x"))), "refused")
        self.assertEqual(error_kind(ValueError("x")), "error")

    def test_statuses(self):
        self.assertEqual([status_kind(s) for s in (200, 302, 404, 503, 99, 600)],
                         [None, None, "http-4xx", "http-5xx", "http-other", "http-other"])

    def test_messages_read_as_in_rust(self):
        refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        self.assertEqual(failure_message("refused", refused, 2.0), "Connection refused (os error 111)")
        self.assertEqual(failure_message("timeout", TimeoutError(), 2.0), "no response within 2s")
        self.assertEqual(failure_message("timeout", TimeoutError(), 10.0, "ping 3"), "ping 3: no answer within 10s")
        self.assertEqual(describe(UserTaskError(ValueError("bad  input")), "error"), "error: ValueError: bad input")
        self.assertEqual([format_duration(s) for s in (2, 0.5, 0.00025, 0)], ["2s", "500ms", "250us", "0ms"])


if __name__ == "__main__":
    unittest.main()
