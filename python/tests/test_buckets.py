"""The driver's latency buckets against the shared fixture (tests/fixtures/buckets.json,
which a Rust test holds to the Rust buckets): the same key for every value, and a wire
that any value of a bucket rebuilds."""

import json
import os
import sys
import unittest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON not in sys.path:
    sys.path.insert(0, PYTHON)

from conlab_driver import measure  # noqa: E402

FIXTURE = os.path.join(PYTHON, "tests", "fixtures", "buckets.json")


class BucketLayout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(FIXTURE) as f:
            cls.fixture = json.load(f)
        measure.set_layout(cls.fixture["layout"])

    def test_every_value_has_the_rust_key(self):
        for value, key in self.fixture["keys"]:
            self.assertEqual(measure.hdr_key(value), key, value)

    def test_the_wire_counts_each_bucket_once(self):
        b = measure.Buckets()
        for value, _ in self.fixture["keys"]:
            b.record(value)
        again = measure.Buckets()
        again.add_wire(b.wire())
        self.assertEqual(again.wire(), b.wire())
        self.assertEqual(sum(n for _, n in b.wire()), len(self.fixture["keys"]))
        keys = sorted({key for _, key in self.fixture["keys"]})
        self.assertEqual([k for k, _ in b.wire()], keys)


if __name__ == "__main__":
    unittest.main()
