"""py-asyncio:threads=T: T threads, each with its own event loop running its share."""

import copy
import os
import threading

from ..aio import async_share, loop_name
from ..cell import shares_of, take_share
from ..measure import Buckets, snapshot


def run(work, cell, n, model):
    """T threads, each with its own event loop running its share at once (one copy of the
    workload object per thread: an aiohttp session belongs to one loop). The GIL lets one
    of them run Python at a time."""
    limit, use_uvloop, eager = model.get("limit"), model.get("lib") == "uvloop", bool(model.get("eager"))
    name = loop_name(use_uvloop, eager)  # imports uvloop before the mark
    shares = shares_of(n, max(1, min(int(model["threads"]), n)))
    cell.loop_lag = Buckets()
    cell.runner = "%d threads, one %s each, %d asyncio tasks in all" % (len(shares), name, n)
    parts = [None] * len(shares)

    def run_share(w, first, count, work):
        parts[w] = async_share(work, first, count, limit, use_uvloop, eager)

    cell.mark_ready()
    runners = [threading.Thread(target=run_share, args=(w, first, count, copy.copy(work)))
               for w, first, count in shares]
    for t in runners:
        t.start()
    cell.full = snapshot()
    for t in runners:
        t.join()
    for (w, first, count), part in zip(shares, parts):
        take_share(cell, first, part, os.getpid())
