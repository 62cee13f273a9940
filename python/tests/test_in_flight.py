"""The in-flight sweep: the most tasks running at once, and their summed run time."""

import os
import sys
import unittest
from array import array

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON not in sys.path:
    sys.path.insert(0, PYTHON)

from conlab_driver import measure  # noqa: E402


def sweep(pairs):
    return measure.in_flight(array("q", [s for s, _ in pairs]), array("q", [e for _, e in pairs]))


class InFlight(unittest.TestCase):
    def test_overlapping_tasks(self):
        self.assertEqual(sweep([(1, 10), (2, 5), (3, 4), (6, 9)]), (3, 9 + 3 + 1 + 3))

    def test_an_end_at_a_start_does_not_overlap(self):
        # A pool thread's next task starts the ns its last one ended.
        self.assertEqual(sweep([(1, 5), (5, 9), (9, 12)]), (1, 11))

    def test_tasks_that_never_ran_are_skipped(self):
        self.assertEqual(sweep([(0, 0), (1, 3), (0, 0), (2, 4)]), (2, 4))

    def test_none_ran(self):
        self.assertEqual(sweep([]), (0, 0))
        self.assertEqual(sweep([(0, 0)]), (0, 0))

    def test_more_than_a_sort_chunk(self):
        n = measure.SORT_CHUNK * 2 + 7
        pairs = [(10 + i, 10 + i + 3) for i in range(n)]  # each overlaps the next two
        self.assertEqual(sweep(list(reversed(pairs))), (3, 3 * n))


class TaskBins(unittest.TestCase):
    MS = 1000000

    def bins(self, pairs, ready=0):
        return measure.task_bins(array("q", [s for s, _ in pairs]), array("q", [e for _, e in pairs]), ready)

    def test_starts_and_ends_fall_in_their_millisecond(self):
        ms = self.MS
        got = self.bins([(100 * ms + 1, 100 * ms + 3 * ms), (100 * ms + ms, 0), (0, 0)], ready=100 * ms)
        # The task that never ran is left out; the one that never ended only started.
        self.assertEqual(got, {"width_us": 1000, "started": [1, 1, 0, 0], "completed": [0, 0, 0, 1]})

    def test_a_long_run_doubles_the_width(self):
        got = self.bins([(1, 1000 * self.MS)])
        self.assertEqual(got["width_us"], 4000)
        self.assertEqual((sum(got["started"]), sum(got["completed"]), got["completed"][-1]), (1, 1, 1))

    def test_none_ran(self):
        self.assertEqual(self.bins([]), {"width_us": 1000, "started": [], "completed": []})


if __name__ == "__main__":
    unittest.main()
