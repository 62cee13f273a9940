"""`python3 -m conlab_driver.probe`: what this interpreter is (version, implementation,
whether the GIL is on, which library variants it has), as one JSON line."""

import importlib
import json
import sys


def main():
    libs = {}
    for name in ("requests", "aiohttp", "uvloop", "gevent"):
        try:
            libs[name] = getattr(importlib.import_module(name), "__version__", "?")
        except Exception:
            pass
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    print(json.dumps({"version": sys.version.split()[0], "major": sys.version_info[0], "minor": sys.version_info[1],
                      "implementation": sys.implementation.name, "gil": gil, "libraries": libs}))


if __name__ == "__main__":
    main()
