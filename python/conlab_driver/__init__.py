"""conlab's Python driver: runs one cell under a Python concurrency model.

conlab ships this package inside its binary and writes it to a cache directory at run
time. It speaks the same protocol as a Rust cell: the driver (`python3 -m conlab_driver`,
or the cache directory run as a script) reads one JSON cell spec on stdin (already
validated and resolved by conlab: no defaults to apply, no strings to parse, the
constants both languages share included), runs SPEC["tasks"] tasks of SPEC["workload"]
under SPEC["model"] and prints exactly one JSON line on stdout. Standard library only
(Python 3.8+); the library variants (requests, aiohttp, uvloop, and the server stacks
http.server, aiohttp.web, uvicorn, gunicorn, gevent) are used only when a model names them.

The driver measures and ships raw data only: every latency distribution leaves as a
"wire", [[value_us, count], ...] bucketed exactly like the Rust hdrhistogram crate, and
conlab summarises it like a Rust cell's.

One module per concern, each importable on its own; `registry.py` names them, and a cell
imports only what its workload and model need (a thread cell never imports asyncio, a
sleep cell never the HTTP code). The names below are loaded on first use, as
`concurrent.futures` loads its executors.
"""

_LAZY = {
    "Buckets": "measure", "hdr_key": "measure", "in_flight": "measure", "cpu_kernel": "workloads.cpu",
    "Response": "http1", "error_kind": "errors",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    import importlib
    return getattr(importlib.import_module("." + module, __name__), name)
