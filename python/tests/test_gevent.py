"""py-gevent's parts that can be checked without timing: the hub heartbeat's arithmetic on
a fixed clock, and that a py-gevent cell runs over the patched stdlib (it patched before
the driver's modules were imported) while other cells never import gevent."""

import importlib.util
import json
import os
import subprocess
import sys
import unittest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON not in sys.path:
    sys.path.insert(0, PYTHON)

from conlab_driver import green, measure  # noqa: E402
from test_lazy_imports import CONSTANTS, SLEEP, modules_at_ready  # noqa: E402

measure.set_layout(CONSTANTS["buckets"])


class FakeHub:
    """A clock that only sleeps move: each sleep takes its period plus the next stall (a
    greenlet that held the hub that long), and the heartbeat stops after the last."""

    def __init__(self, stalls, done):
        self.now, self.stalls, self.done = 100.0, list(stalls), done

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds + self.stalls.pop(0)
        if not self.stalls:
            self.done.append(True)


class Heartbeat(unittest.TestCase):
    def test_the_lag_is_how_late_each_wake_up_came(self):
        done, lag = [], measure.Buckets()
        hub = FakeHub([0.0, 0.25, 0.0625, 2.0], done)  # exact in binary: no rounding
        green.heartbeat(done, lag, hub.clock, hub.sleep, period=0.5)
        self.assertEqual(lag.wire(), [[measure.hdr_key(us), 1] for us in (0, 62500, 250000, 2000000)],
                         "on time counts as the first bucket; each stall as the wake-up's lateness")

    def test_a_stall_shorter_than_the_period_still_counts(self):
        done, lag = [], measure.Buckets()
        hub = FakeHub([0.125] * 3, done)
        green.heartbeat(done, lag, hub.clock, hub.sleep, period=0.25)
        self.assertEqual(lag.wire(), [[measure.hdr_key(125000), 3]])

    def test_it_stops_when_told(self):
        lag = measure.Buckets()
        green.heartbeat([True], lag, lambda: 0.0, None)
        self.assertEqual(lag.wire(), [])

    def test_outside_gevent_waits_are_the_stdlib_ones(self):
        import time
        self.assertFalse(green.patched())
        self.assertIs(green.blocking_sleep(), time.sleep)
        self.assertIsNone(green.threadpool())


PATCHED_AT_READY = """
import json, sys
from conlab_driver import cell, main
seen = {}
mark = cell.Cell.mark_ready
def mark_ready(self):
    import socket, threading, time
    from conlab_driver import log
    seen["socket"] = socket.socket.__module__
    seen["sleep"] = time.sleep.__module__
    seen["lock"] = type(log.REQUESTS.lock).__module__
    seen["blocking_sleep"] = main.__dict__.get("green", sys.modules["conlab_driver.green"]).blocking_sleep().__module__
    mark(self)
cell.Cell.mark_ready = mark_ready
sys.stdout = open("/dev/null", "w")
main.main()
sys.stdout = sys.__stdout__
print(json.dumps(seen))
"""


@unittest.skipIf(importlib.util.find_spec("gevent") is None, "gevent is not installed for this Python")
class Patched(unittest.TestCase):
    def test_a_gevent_cell_runs_over_the_patched_stdlib(self):
        spec = {"workload": {"kind": "http", "latency_ns": 0, "bytes": 1, "keepalive": True, "timeout_ns": 10 ** 9,
                             "requests": 0, "duration_ns": None, "rate": None},
                "tasks": 0, "target": {"server": "http://127.0.0.1:9"}, "series": True,
                "constants": dict(CONSTANTS, head_limit=16384),
                "model": {"kind": "py-gevent", "lib": None, "workers": None, "limit": None, "procs": None,
                          "threads": None, "eager": False}}
        out = subprocess.run([sys.executable, "-c", PATCHED_AT_READY], input=json.dumps(spec) + "\n", cwd=PYTHON,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                             env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(out.returncode, 0, out.stderr)
        seen = json.loads(out.stdout)
        self.assertTrue(seen["socket"].startswith("gevent"), seen)
        self.assertTrue(seen["sleep"].startswith("gevent"), seen)
        # The request log's lock was made after the patch: the driver's modules came later.
        self.assertTrue(seen["lock"].startswith("gevent"), seen)
        self.assertEqual(seen["blocking_sleep"], "time", "the C library's wait stays the original")

    def test_other_cells_never_import_gevent(self):
        for kind in ("py-thread", "py-asyncio"):
            self.assertNotIn("gevent", modules_at_ready(SLEEP, kind), kind)
        self.assertIn("gevent.monkey", modules_at_ready(SLEEP, "py-gevent"))


if __name__ == "__main__":
    unittest.main()
