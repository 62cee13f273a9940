"""What the driver's mirrors of Rust code give, for src/checks/languages.rs to hold to the
Rust originals: `cpu SEED ITERATIONS` prints the cpu kernel's result; `buckets LAYOUT`
prints the wire pairs of the values on stdin (a JSON list) under the bucket layout
conlab sends. Run with the driver's cache directory on PYTHONPATH, as cells see it."""

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
    else:
        sys.exit("mirror.py: cpu SEED ITERATIONS | buckets LAYOUT")


if __name__ == "__main__":
    main(*sys.argv[1:])
