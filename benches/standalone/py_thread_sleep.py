"""The smallest honest thread-per-task program for the accuracy benchmark: N
threading.Thread that each sleep, all joined. Prints its work time (seconds) on stdout.
Usage: python3 py_thread_sleep.py N SLEEP_S"""
import sys
import threading
import time

n, s = int(sys.argv[1]), float(sys.argv[2])
t = time.monotonic()
threads = [threading.Thread(target=time.sleep, args=(s,)) for _ in range(n)]
for th in threads:
    th.start()
for th in threads:
    th.join()
print(time.monotonic() - t)
