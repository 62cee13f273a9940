"""The asyncio program users write, for the accuracy benchmark: N tasks made with
`asyncio.create_task` from a coroutine that awaits `asyncio.sleep`, gathered on one
event loop (the shape of the article's `fetch_many`). Prints its work time (seconds) on
stdout. Usage: python3 py_asyncio_sleep.py N SLEEP_S"""
import asyncio
import sys
import time


async def task(i, s):
    await asyncio.sleep(s)


async def main(n, s):
    tasks = [asyncio.create_task(task(i, s)) for i in range(n)]
    await asyncio.gather(*tasks)


n, s = int(sys.argv[1]), float(sys.argv[2])
t = time.monotonic()
asyncio.run(main(n, s))
print(time.monotonic() - t)
