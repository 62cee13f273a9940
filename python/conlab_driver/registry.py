"""The one dispatch table: every workload, model and server model as "module:attr",
imported on demand, so that a cell loads only the code it runs (a thread cell never
imports asyncio, a sleep cell never the HTTP code)."""

import importlib

# Client workloads: a Workload subclass, built from the spec's workload.
WORKLOADS = {
    "sleep": "workloads.sleep:Sleep",
    "cpu": "workloads.cpu:Cpu",
    "mixed": "workloads.mixed:Mixed",
    "http": "workloads.http:Http",
    "tcp": "workloads.tcp:Tcp",
    "blocking": "workloads.blocking:Blocking",
    "py-task": "workloads.pytask:PyTask",
}

# Server workloads: the handler a server model runs per connection.
SERVERS = {
    "serve-http": "servers.http:ServeHttp",
    "serve-tcp": "servers.tcp:ServeTcp",
    "serve-app": "servers.app:ServeApp",  # the user's app: a stack's only
}

# Models, by the model's kind and its split (None, "procs" or "threads"): for a client
# workload, run(work, cell, n, model); for a server workload, serve(server, cell, n,
# model, stop).
MODELS = {
    ("py-thread", None): "models.thread:run",
    ("py-pool", None): "models.pool:run",
    ("py-process", None): "models.process:run",
    ("py-asyncio", None): "models.loop:run",
    ("py-asyncio", "procs"): "models.process:run_hybrid",
    ("py-asyncio", "threads"): "models.loop_threads:run",
    ("py-gevent", None): "models.gevent:run",
}

SERVER_MODELS = {
    "py-thread": "servers.thread:serve",
    "py-pool": "servers.pool:serve",
    "py-process": "servers.process:serve",
    "py-asyncio": "servers.loop:serve",
    "py-gevent": "servers.gevent:serve",
}

# The server stacks people deploy, by (model kind, library): serve-http only, each on
# the library's own server (the `+uvloop` and `+requests` variants serve as their base).
STACKS = {
    ("py-thread", "http.server"): "servers.stacks_httpserver:serve",
    ("py-asyncio", "aiohttp"): "servers.stacks_aiohttp:serve",
    ("py-asyncio", "uvicorn"): "servers.stacks_uvicorn:serve",
    ("py-pool", "gunicorn"): "servers.stacks_gunicorn:serve",
    ("py-process", "gunicorn"): "servers.stacks_gunicorn:serve",
    ("py-gevent", "gunicorn"): "servers.stacks_gunicorn:serve",
}


def server_model(workload, model):
    """The server model's entry for a server workload: a stack's for serve-http and the
    user's app, else conlab's own accept loop of the model's kind (which has no app to
    serve: the plan never asks it to)."""
    stack = STACKS.get((model["kind"], model.get("lib")))
    if workload in ("serve-http", "serve-app") and stack is not None:
        return stack
    if workload == "serve-app":
        from .errors import SetupFailed
        raise SetupFailed("%s is not a server stack: it cannot serve your app" % model["kind"])
    return SERVER_MODELS[model["kind"]]


def load(entry):
    """The object a table entry names, its module imported now."""
    module, _, attr = entry.partition(":")
    return getattr(importlib.import_module("." + module, __package__), attr)


def split_of(model):
    """Which split of its model a spec's model asks for: "procs", "threads" or None."""
    if model.get("procs"):
        return "procs"
    if model.get("threads"):
        return "threads"
    return None
