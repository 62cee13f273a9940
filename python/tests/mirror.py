"""What the driver's mirrors of Rust code give, for src/checks/languages.rs to hold to the
Rust originals: `cpu SEED ITERATIONS` prints the cpu kernel's result; `buckets LAYOUT`
prints the wire pairs of the values on stdin (a JSON list) under the bucket layout
conlab sends; `bins READY_NS` prints the task bins of the [start, end] pairs on stdin.
Run with the driver's cache directory on PYTHONPATH, as cells see it."""

import json
import sys


def main(what, *args):
    if what == "cpu":
        from conlab_driver.workloads.cpu import cpu_kernel
        print(cpu_kernel(int(args[0]), int(args[1])))
    elif what == "buckets":
        from conlab_driver import measure
        measure.set_layout(json.loads(args[0]))
        buckets = measure.Buckets()
        for value in json.load(sys.stdin):
            buckets.record(value)
        print(json.dumps(buckets.wire()))
    elif what == "bins":
        from array import array
        from conlab_driver import measure
        tasks = json.load(sys.stdin)  # [[start_ns, end_ns], ...], CLOCK_MONOTONIC
        ready = int(args[0])
        starts = array("q", [s for s, _ in tasks])
        ends = array("q", [e for _, e in tasks])
        print(json.dumps(measure.task_bins(starts, ends, ready)))
    else:
        sys.exit("mirror.py: cpu SEED ITERATIONS | buckets LAYOUT | bins READY_NS")


if __name__ == "__main__":
    main(*sys.argv[1:])
