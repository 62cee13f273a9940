"""`python3 -m conlab_driver.calibrate`: splitmix64 steps per second in this interpreter,
the cpu workload's own loop (for `conlab advise`)."""

import time

from .workloads.cpu import cpu_kernel


def main():
    start = time.perf_counter()
    cpu_kernel(1, 200000)
    print(200000 / (time.perf_counter() - start))


if __name__ == "__main__":
    main()
