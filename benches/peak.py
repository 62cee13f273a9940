"""A standalone program's peak RSS, measured as conlab measures a cell's.

The kernel's own high-water mark (`ru_maxrss`, what `/usr/bin/time -f %M` prints) lags the
true peak of a threaded program: glibc returns each exiting thread's stack pages with
madvise, which lowers RSS without updating the high-water mark, so a peak reached while
threads exit is never recorded. conlab's figure is the larger of that mark and the highest
RSS its sampler saw, so a standalone program is measured the same way here: both, from one
run, with a poller reading /proc/PID/status every millisecond.
"""
import subprocess
import threading
import time


def peak(argv, interval=0.001):
    """Run argv to its end; returns (ru_maxrss KiB, highest VmRSS seen KiB, stdout).

    The program runs under /usr/bin/time, which reports its ru_maxrss; a process forked
    from this Python one would inherit Python's high-water mark across the exec."""
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    seen = 0
    done = threading.Event()

    def poll():
        nonlocal seen
        pid = None
        while pid is None and not done.is_set():
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                    pid = int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                time.sleep(interval / 10)
        while not done.is_set():
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
            except OSError:
                return
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("State", "").strip().startswith("Z"):
                return
            if "VmRSS" in fields:
                seen = max(seen, int(fields["VmRSS"].split()[0]))
            time.sleep(interval)

    poller = threading.Thread(target=poll)
    poller.start()
    out, err = proc.communicate()
    done.set()
    poller.join()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, out, err)
    return int(err.strip().splitlines()[-1]), seen, out
