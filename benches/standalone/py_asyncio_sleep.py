"""The smallest honest asyncio program for the accuracy benchmark: N tasks that each
sleep, gathered on one event loop. Prints its work time (seconds) on stdout.
Usage: python3 py_asyncio_sleep.py N SLEEP_S"""
import asyncio
import sys
import time


async def main(n, s):
    await asyncio.gather(*[asyncio.sleep(s) for _ in range(n)])


n, s = int(sys.argv[1]), float(sys.argv[2])
t = time.monotonic()
asyncio.run(main(n, s))
print(time.monotonic() - t)
