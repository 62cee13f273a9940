"""`cpu`: each task runs K steps of splitmix64, the same loop as src/workload/cpu.rs."""

from .base import Workload

MASK = (1 << 64) - 1


def cpu_kernel(seed, iterations):
    """K steps of splitmix64 folded into an accumulator (see src/workload/cpu.rs)."""
    x = seed & MASK
    acc = 0
    for _ in range(iterations):
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        acc ^= z ^ (z >> 31)
    return acc


class Cpu(Workload):
    def __init__(self, w, target, lib):
        self.iterations = int(w["iterations"])

    def run_sync(self, i):
        return cpu_kernel(i, self.iterations)

    async def run_async(self, i):
        return cpu_kernel(i, self.iterations)
