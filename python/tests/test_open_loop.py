"""The open loop's schedule (`Http.due`, the Rust client's `Http::due`): requests spread
evenly over the tasks, each on a fixed schedule that a late answer does not move."""

import os
import sys
import unittest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON not in sys.path:
    sys.path.insert(0, PYTHON)

from conlab_driver.workloads.http import Http  # noqa: E402

MS = 1000000


def http(tasks, rate=None, requests=None, duration_ms=None):
    w = {"latency_ns": 0, "bytes": 1, "keepalive": True, "timeout_ns": 10 * 1000 * MS, "rate": rate,
         "requests": requests, "duration_ns": duration_ms * MS if duration_ms is not None else None}
    work = Http(w, {"server": "http://127.0.0.1:9"}, None)
    work.for_tasks(tasks)
    return work


def schedule(work, i, start, late_ms=0):
    """Task i's intended send times (ms after `start`), every answer `late_ms` late."""
    times, n, now = [], 0, start
    while True:
        at = work.due(i, n, start, now)
        if at is None:
            return times
        times.append((at - start) / MS)
        n += 1
        now = max(now, at) + late_ms * MS


class OpenLoop(unittest.TestCase):
    def test_the_rate_is_spread_evenly_over_the_tasks(self):
        # 4 tasks at 100 requests/s: each sends every 40 ms, their first sends 10 ms apart.
        work = http(4, rate=100, requests=3)
        self.assertEqual(work.gap_ns, 40 * MS)
        self.assertEqual([schedule(work, i, 0) for i in range(4)],
                         [[0, 40, 80], [10, 50, 90], [20, 60, 100], [30, 70, 110]])
        every = sorted(t for i in range(4) for t in schedule(work, i, 0))
        self.assertEqual(every, [10.0 * k for k in range(12)], "one send every 10 ms: 100/s")

    def test_a_late_answer_keeps_the_intended_times(self):
        # Answers 100 ms late: the closed loop would wait for them, the open loop's next
        # intended send stays on its schedule (its latency counts from there).
        work = http(2, rate=10, requests=4)
        self.assertEqual(schedule(work, 1, 5 * MS, late_ms=100), [100, 300, 500, 700])

    def test_duration_ends_the_schedule(self):
        work = http(2, rate=20, duration_ms=250)  # a send every 100 ms per task
        self.assertEqual(schedule(work, 0, 0), [0, 100, 200])
        self.assertEqual(schedule(work, 1, 0), [50, 150])
        self.assertEqual(schedule(work, 1, 0, late_ms=500), [50, 150], "the end is intended time, too")

    def test_the_closed_loop_sends_when_the_last_answer_came(self):
        work = http(3, requests=2)
        self.assertIsNone(work.gap_ns)
        self.assertEqual(schedule(work, 2, 0, late_ms=7), [0, 7])
        work = http(1, duration_ms=20)
        self.assertEqual(schedule(work, 0, 0, late_ms=8), [0, 8, 16])

    def test_task_indices_past_the_cell_wrap(self):
        # A hybrid's shares index tasks cell-wide; the offset is the index modulo the cell's.
        work = http(4, rate=100, requests=1)
        self.assertEqual(schedule(work, 5, 0), schedule(work, 1, 0))


if __name__ == "__main__":
    unittest.main()
