"""A cell imports only what its workload and model need: at the ready mark, a thread cell
has not imported asyncio and a sleep cell not the HTTP code (what a cell imports is
memory every one of its measurements carries)."""

import json
import os
import subprocess
import sys
import unittest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs one cell in a fresh interpreter and prints the modules loaded at its ready mark.
AT_READY = """
import json, sys
from conlab_driver import cell, main
seen = []
mark = cell.Cell.mark_ready
def mark_ready(self):
    seen.append(sorted(sys.modules))
    mark(self)
cell.Cell.mark_ready = mark_ready
sys.stdout = open("/dev/null", "w")
main.main()
sys.stdout = sys.__stdout__
print(json.dumps(seen[0]))
"""

CONSTANTS = {"backlog": 2048, "listener_fd": 3, "buckets": {"top": 3600000000, "sub_bucket_bits": 11}}


def modules_at_ready(workload, kind, **model):
    spec = {"workload": workload, "tasks": 2, "target": {}, "series": True, "constants": CONSTANTS,
            "model": dict({"kind": kind, "lib": None, "workers": None, "limit": None, "procs": None,
                           "threads": None}, **model)}
    out = subprocess.run([sys.executable, "-c", AT_READY], input=json.dumps(spec) + "\n", cwd=PYTHON,
                         stdout=subprocess.PIPE, universal_newlines=True, check=True,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    return set(json.loads(out.stdout))


SLEEP = {"kind": "sleep", "duration_ns": 1000000}


class LazyImports(unittest.TestCase):
    def test_a_thread_cell_never_imports_asyncio(self):
        for kind, model in (("py-thread", {}), ("py-pool", {"workers": 2}), ("py-process", {"workers": 1})):
            loaded = modules_at_ready(SLEEP, kind, **model)
            self.assertIn("conlab_driver.workloads.sleep", loaded)
            self.assertNotIn("asyncio", loaded, kind)
            self.assertNotIn("conlab_driver.aio", loaded, kind)

    def test_a_sleep_cell_never_imports_the_http_code(self):
        for kind in ("py-thread", "py-asyncio"):
            loaded = modules_at_ready(SLEEP, kind)
            for name in ("conlab_driver.http1", "conlab_driver.shells", "conlab_driver.workloads.http", "http.client"):
                self.assertNotIn(name, loaded, (kind, name))
            if kind == "py-thread":  # asyncio imports socket itself
                self.assertNotIn("socket", loaded)

    def test_an_asyncio_cell_has_asyncio_before_the_mark(self):
        self.assertIn("asyncio", modules_at_ready(SLEEP, "py-asyncio"))

    def test_a_cpu_cell_loads_its_workload_only(self):
        loaded = modules_at_ready({"kind": "cpu", "iterations": 10}, "py-thread")
        self.assertIn("conlab_driver.workloads.cpu", loaded)
        others = [m for m in loaded if m.startswith("conlab_driver.workloads.") and
                  m not in ("conlab_driver.workloads.cpu", "conlab_driver.workloads.base")]
        self.assertEqual(others, [])


if __name__ == "__main__":
    unittest.main()
