"""What py-gevent needs beyond its models: the monkey-patch, done first thing in the cell,
the hub's heartbeat, and the waits that must block even under the patch. Importable
without gevent: only `patch` and the models import it.

Why patching in `main`, right after the spec line is read, is safe: at that point the
driver has imported json, os and sys, and none of its own modules, the workload's or the
user's code. `gevent.monkey.patch_all()` replaces the functions and classes inside the
stdlib modules themselves (`time.sleep`, `socket.socket`, `threading.Lock`,
`select.select`, `ssl.SSLContext`, ...), so code that imported a module earlier and looks
a name up in it at call time (`time.sleep(...)`) gets gevent's. What would escape it is a
name bound before the patch (`from time import sleep`, a lock created at import time):
no such binding exists yet, because everything that could make one (the driver's
`measure`, `cell`, `log`, the workloads, requests, sqlite3, the user's module) is
imported after. The interpreter's own start-up may import `threading` or `time` (site
hooks do here); gevent patches them in place, as it documents for that case."""

import sys
import time


def patch():
    """gevent.monkey.patch_all(), before anything else of the cell is imported."""
    from gevent import monkey
    monkey.patch_all()


def patched():
    """Whether this process runs under gevent's patched stdlib."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("time")


def sockets_name():
    """What a blocking shell's sockets are, in a cell's `client` line."""
    return "gevent-patched sockets" if patched() else "blocking sockets"


def blocking_sleep():
    """A wait that blocks the OS thread, as a C library's own wait does: `time.sleep`, the
    original one under gevent (the patched one would switch greenlets even from inside a
    sqlite3 callback, which no C library's wait does)."""
    if patched():
        from gevent import monkey
        return monkey.get_original("time", "sleep")
    return time.sleep


def threadpool():
    """gevent's thread pool for blocking calls (the hub's), or None when not under gevent."""
    if not patched():
        return None
    import gevent
    return gevent.get_hub().threadpool


PERIOD = 0.001  # the heartbeat's interval, seconds: as the asyncio heartbeat's


def heartbeat(done, lag, clock, sleep, period=PERIOD):
    """Until `done` is non-empty: sleep `period`, and record into `lag` (us) how much later
    than asked the sleep returned: the hub's lag, as `aio.heartbeat` measures the loop's.
    `clock` and `sleep` are gevent's in the model (time.monotonic, gevent.sleep); a greenlet
    that blocks the hub for D delays the wake-up of a sleep due within D by the rest of D."""
    while not done:
        due = clock() + period
        sleep(period)
        lag.record(max(0.0, clock() - due) * 1e6)
