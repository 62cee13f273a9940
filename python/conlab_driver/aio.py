"""The asyncio half of the models: the task body every asyncio task runs, the loop's
heartbeat (its lag), a share of tasks on one loop, and a loop to run it on. Imported by
the asyncio models only: it imports asyncio."""

import asyncio

from .cell import Cell
from .measure import Buckets, now_ns, snapshot


def task_body(work, cell, offset=0):
    """The coroutine function every asyncio task runs: `task(i)` runs task i and writes its
    start and end to the cell's slot i - offset (a hybrid worker's cell holds only its
    share). What it needs is bound once here, so a task is a coroutine with one argument
    awaiting the workload's coroutine: the shape of `create_task(fetch(url))`, at the
    cost of a hand-written one (benches/python_accuracy.py compares them)."""
    starts, ends, run, error = cell.starts, cell.ends, work.run_async, cell.task_error

    async def task(i):
        starts[i - offset] = now_ns()
        try:
            await run(i)
        except Exception as exc:
            error(exc)
        ends[i - offset] = now_ns()

    return task


async def heartbeat(loop, done, lag):
    while not done:
        due = loop.time() + 0.001
        await asyncio.sleep(0.001)
        lag.record(max(0.0, loop.time() - due) * 1e6)


async def loop_share(work, cell, first, count, limit, lag, offset=0, mark=False):
    """Tasks first..first+count as asyncio tasks on the running loop, all at once, with a
    1 ms heartbeat whose lateness is the loop's lag. `mark`: this loop sets the cell's
    ready mark and full-concurrency snapshot (the single-loop model)."""
    await work.open_session(count, limit)
    loop = asyncio.get_running_loop()
    done = []
    beat = asyncio.ensure_future(heartbeat(loop, done, lag))
    if mark:
        cell.mark_ready()
    task = task_body(work, cell, offset)
    tasks = [loop.create_task(task(i)) for i in range(first, first + count)]
    if mark:
        cell.full = snapshot()
    await asyncio.gather(*tasks)
    done.append(True)
    await beat
    await work.close_session()


def run_loop(coroutine, use_uvloop, eager=False):
    """Run a coroutine to its end on a new event loop (uvloop's when asked) in this thread;
    `eager`: with `asyncio.eager_task_factory` (3.12+, which conlab checked at plan time),
    so that a task runs inside create_task up to its first real wait."""
    if use_uvloop:
        import uvloop
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    if eager:
        loop.set_task_factory(asyncio.eager_task_factory)
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(coroutine)
    finally:
        loop.close()


def loop_name(use_uvloop, eager=False):
    name = "asyncio event loop"
    if use_uvloop:
        import uvloop
        name = "uvloop %s event loop" % uvloop.__version__
    return name + " (eager task factory)" if eager else name


def async_share(work, first, count, limit, use_uvloop, eager=False):
    """Tasks first..first+count on a new event loop in this thread, all at once: the
    share's outcome as `take_share` reads it, its loop's lag included."""
    part, lag = Cell(count), Buckets()
    run_loop(loop_share(work, part, first, count, limit, lag, offset=first), use_uvloop, eager)
    return {"starts": part.starts, "ends": part.ends, "errors": part.errors, "failed": part.failed,
            "first_error": part.first_error, "loop_lag": lag.wire()}
