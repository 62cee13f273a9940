"""The shared HTTP/1.1 corpus (tests/fixtures/http1/, one JSON file per case) against the
driver's codec, as `src/workload/http1/corpus.rs` holds the Rust codec to it: the same
reply ends the same way in both languages (status, body length, keep-alive or close; or
the same error kind and message). Every case is fed whole, split at every byte boundary,
and byte by byte. One test per case, named after its file."""

import json
import os
import sys
import unittest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(PYTHON), "tests", "fixtures", "http1")
if PYTHON not in sys.path:
    sys.path.insert(0, PYTHON)

from conlab_driver import http1  # noqa: E402
from conlab_driver.errors import error_kind  # noqa: E402
from conlab_driver.http1 import Response  # noqa: E402

with open(os.path.join(PYTHON, "tests", "fixtures", "constants.json")) as f:
    http1.configure(json.load(f))  # as the driver's main does from the spec


def outcome(pieces, keepalive):
    """Feed `pieces` one read each, then close; how the first response ends, in the
    corpus's terms."""
    response = Response(keepalive)
    pieces = [piece for piece in pieces if piece]
    try:
        for i, piece in enumerate(pieces):
            if response.feed(piece):
                extra = len(response.rest) + sum(len(p) for p in pieces[i + 1:])
                break
        else:
            response.feed(b"")
            extra = len(response.rest)
    except Exception as exc:  # noqa: BLE001: the kind is what is checked
        return {"error": error_kind(exc), "message": str(exc)}
    return {"status": response.status, "body": response.body, "close": response.closing, "extra": extra}


def load():
    cases = []
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith(".json"):
            with open(os.path.join(CORPUS, name), encoding="utf-8") as f:
                cases.append((name[:-5], json.load(f)))
    return cases


class Corpus(unittest.TestCase):
    """Filled with one test_<case> method per corpus file below."""

    def test_corpus_has_30_cases_or_more(self):
        self.assertGreaterEqual(len(CASES), 30)


def check(case):
    def test(self):
        data = case["response"].encode("latin-1")
        keepalive = case.get("request", {}).get("keepalive", True)
        expect = dict(case["expect"])
        if "status" in expect:
            expect.setdefault("extra", 0)
        self.assertEqual(outcome([data], keepalive), expect, "whole")
        for cut in range(len(data) + 1):
            got = outcome([data[:cut], data[cut:]], keepalive)
            if got != expect:  # assertEqual only on failure: 16 KiB cases have 16 K cuts
                self.assertEqual(got, expect, "split at %d" % cut)
        single = [data[i:i + 1] for i in range(len(data))]
        self.assertEqual(outcome(single, keepalive), expect, "byte by byte")
    return test


CASES = load()
for _name, _case in CASES:
    setattr(Corpus, "test_" + _name.replace("-", "_"), check(_case))

if __name__ == "__main__":
    unittest.main()
