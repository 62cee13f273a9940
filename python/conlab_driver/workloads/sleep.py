"""`sleep`: each task waits: a timer in async code, a blocking sleep in thread code."""

import time

from .base import Workload

asyncio = None  # bound by Workload.prepare for the asyncio models


class Sleep(Workload):
    def __init__(self, w, target, lib):
        self.seconds = w["duration_ns"] / 1e9

    def run_sync(self, i):
        time.sleep(self.seconds)
        return 0

    def run_async(self, i):
        # asyncio.sleep's own coroutine, awaited by the task: the task users write
        # (`async def task(): await asyncio.sleep(s)`), with no second coroutine between.
        return asyncio.sleep(self.seconds)
