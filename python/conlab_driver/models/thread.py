"""py-thread: a threading.Thread per task, as in the article."""

import threading

from ..cell import run_one
from ..measure import snapshot, spawn_counters


def run(work, cell, n, model):
    cell.runner = "%d threading.Thread threads (stack %s)" % (n, threading.stack_size() or "default")
    cell.mark_ready()
    threads = []
    for i in range(n):
        t = threading.Thread(target=run_one, args=(work, cell, i))
        try:
            t.start()
        except RuntimeError as exc:  # "can't start new thread"; conlab names the limit
            cell.failure = {"kind": "spawn-limit",
                            "message": "thread for task %d could not be started: %s" % (i, exc),
                            "at_task": i, "limit": None, "counters": spawn_counters()}
            cell.count_errors("not-started", n - i, "no thread could be created")
            break
        threads.append(t)
    cell.full = snapshot()
    for t in threads:
        t.join()
