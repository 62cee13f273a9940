"""The driver's entry: read the spec, build the workload (or the server handler) and run
it under the model the registry names, then print the report line.

Only json, os and sys are imported before the spec is read: a py-gevent cell patches the
standard library (`green.patch`) before any other module of the driver, the workload or
the user's code is imported, so the driver's own modules are imported below, after it."""

import json
import os
import sys


def main():
    # One line: a server cell's stdin stays open after it, its end the signal to stop.
    spec = json.loads(sys.stdin.readline())
    # gunicorn's gevent worker patches its own workers after the fork; its arbiter runs
    # unpatched, as under `gunicorn -k gevent`.
    if spec["model"]["kind"] == "py-gevent" and spec["model"].get("lib") != "gunicorn":
        from . import green
        green.patch()
    from . import registry, report
    from .cell import Cell
    from .measure import set_layout
    constants = spec["constants"]
    set_layout(constants["buckets"])
    tasks = int(spec["tasks"])
    model = spec["model"]
    lib = model.get("lib")
    w = spec["workload"]
    asynchronous = model["kind"] == "py-asyncio"
    if w["kind"] in registry.SERVERS:
        from .errors import SetupFailed
        from .servers import common
        common.configure(constants)
        try:  # the user's app is imported here, before the ready line
            server = registry.load(registry.SERVERS[w["kind"]])(w)
            serve = registry.load(registry.server_model(w["kind"], model))
        except SetupFailed as exc:
            return report.setup_failed(str(exc))
        cell = Cell(0)
        cell.concurrency = tasks
        cell.bins_on = bool(spec["series"])
        serve(server, cell, tasks, model, common.Stop())
        client = server.describe(asynchronous) if cell.stack is None else server.in_stack()
        tasks = len(cell.starts)  # connections accepted
        user_setup = server.setup_report
    else:
        from .errors import SetupFailed
        workload = registry.load(registry.WORKLOADS[w["kind"]])
        try:
            work = workload(w, spec.get("target") or {}, lib if lib in ("requests", "aiohttp") else None)
        except SetupFailed as exc:
            return report.setup_failed(str(exc))
        codec = sys.modules.get(__package__ + ".http1")  # loaded by the I/O workloads only
        if codec is not None:
            codec.configure(constants)
        work.for_tasks(tasks)
        work.prepare(asynchronous)
        cell = Cell(tasks)
        cell.bins_on = bool(spec["series"])
        registry.load(registry.MODELS[model["kind"], registry.split_of(model)])(work, cell, tasks, model)
        client = work.client(asynchronous)
        user_setup = work.setup_report
    report.finished(cell, tasks, client, user_setup)
    if cell.abandoned is not None:
        os._exit(0)
    return 0
