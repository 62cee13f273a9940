"""py-pool: concurrent.futures.ThreadPoolExecutor, its width resolved by conlab."""

from ..cell import run_one
from ..measure import snapshot


def run(work, cell, n, model):
    from concurrent.futures import ThreadPoolExecutor
    size = int(model["workers"])
    cell.runner = "ThreadPoolExecutor(max_workers=%d) for %d tasks" % (size, n)
    cell.concurrency = min(size, n)
    cell.mark_ready()
    with ThreadPoolExecutor(max_workers=size) as pool:
        futures = [pool.submit(run_one, work, cell, i) for i in range(n)]
        cell.full = snapshot()
        for f in futures:
            f.result()
