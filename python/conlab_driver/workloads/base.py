"""What every workload is: built from its resolved spec W, the target and the library;
`prepare` imports what its tasks will need, before the ready mark. The methods a model
may call have defaults here, so no model probes a workload for them."""

import sys


def load_asyncio(*modules):
    """Import asyncio and bind it as `asyncio` in each module given: the modules that use
    it hold None until an asyncio model asks, so a thread cell never imports it."""
    import asyncio
    for module in modules:
        module.asyncio = asyncio
    return asyncio


class Workload:
    """The base of every client workload."""

    #: What the user's setup cost (py-task only): {"import_s", "setup_s", "rss_bytes"}.
    setup_report = None

    def for_tasks(self, tasks):
        """The cell's task count, before `prepare` (http spreads an open loop's rate over it)."""

    def prepare(self, asynchronous):
        if asynchronous:
            load_asyncio(sys.modules[type(self).__module__])

    def run_sync(self, i):
        raise NotImplementedError

    async def run_async(self, i):
        raise NotImplementedError

    async def open_session(self, tasks, limit=None):
        """Before a loop's tasks start: a per-loop client session, if the workload has one."""

    async def close_session(self):
        """After a loop's tasks ended."""

    def client(self, asynchronous):
        """The client the tasks use, in words (None: no client)."""
        return None
