"""py-asyncio (and +uvloop, eager=true): every task gathered on one event loop."""

from ..aio import loop_name, loop_share, run_loop
from ..measure import Buckets


def run(work, cell, n, model):
    use_uvloop, eager = model.get("lib") == "uvloop", bool(model.get("eager"))
    cell.loop_lag = Buckets()
    cell.runner = ("%d asyncio tasks on uvloop %s" % (n, loop_name(True).split()[1]) if use_uvloop
                   else "%d asyncio tasks on one event loop" % n)
    if eager:
        cell.runner += ", asyncio.eager_task_factory"
    run_loop(loop_share(work, cell, 0, n, model.get("limit"), cell.loop_lag, mark=True), use_uvloop, eager)
