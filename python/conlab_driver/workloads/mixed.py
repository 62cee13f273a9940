"""`mixed`: each task does S rounds of (wait, then compute K splitmix64 steps)."""

import time

from .base import Workload
from .cpu import cpu_kernel

asyncio = None  # bound by Workload.prepare for the asyncio models


class Mixed(Workload):
    def __init__(self, w, target, lib):
        self.io = w["io_ns"] / 1e9
        self.cpu = int(w["cpu"])
        self.steps = int(w["steps"])

    def run_sync(self, i):
        acc = 0
        for step in range(self.steps):
            time.sleep(self.io)
            acc ^= cpu_kernel(i ^ (step << 32), self.cpu)
        return acc

    async def run_async(self, i):
        acc = 0
        for step in range(self.steps):
            await asyncio.sleep(self.io)
            acc ^= cpu_kernel(i ^ (step << 32), self.cpu)
        return acc
