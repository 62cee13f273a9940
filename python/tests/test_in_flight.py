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


if __name__ == "__main__":
    unittest.main()
