"""Fetch a URL per task: the job most "threads or asyncio?" questions are about.

`fetch(i)` uses requests (thread, pool and process models), `afetch(i)` aiohttp (asyncio
models), both against `conlab serve` (or any URL in CONLAB_URL). `setup()` opens one
requests Session per process before the ready mark, as a real job would; its time and
memory are reported apart (`user_setup` in the results), never in the work time.

    conlab serve --latency 50ms &          # prints {"http": "http://127.0.0.1:PORT", ...}
    export CONLAB_URL=http://127.0.0.1:PORT
    conlab bench --workload py-task:file=examples/python/fetch_urls.py,fn=fetch,afn=afetch,setup=setup \\
                 --models py-thread,py-pool,py-asyncio --tasks 10,100,1000

Needs `pip install requests aiohttp`.
"""

import os
import threading

import aiohttp
import requests

URL = os.environ.get("CONLAB_URL", "http://127.0.0.1:8080") + "/delay?ms=50&bytes=1024"

_local = threading.local()


def setup():
    """Check the server answers before anything is measured."""
    requests.get(URL, timeout=5).raise_for_status()


def _session():
    # requests.Session is not thread-safe: one per thread, as the requests docs advise.
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def fetch(i):
    response = _session().get(URL, timeout=10)
    response.raise_for_status()
    return len(response.content)


async def afetch(i):
    # One session per task keeps the example short; a real program shares one per loop.
    async with aiohttp.ClientSession() as session:
        async with session.get(URL, timeout=aiohttp.ClientTimeout(total=10)) as response:
            response.raise_for_status()
            return len(await response.read())
