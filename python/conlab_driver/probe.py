"""`python3 -m conlab_driver.probe`: what this interpreter is (version, implementation,
whether the GIL is on, which library variants it has), as one JSON line."""

import importlib
import importlib.util
import json
import sys

# The client libraries, then the server stacks and what they run on. Found without being
# imported (gevent's and gunicorn's imports cost a probe more than it needs), their
# versions read from the installed metadata.
LIBRARIES = ("requests", "aiohttp", "uvloop", "uvicorn", "gunicorn", "gevent", "httptools", "starlette")


def version_of(name):
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:
        return getattr(importlib.import_module(name), "__version__", "?")


def main():
    libs = {}
    for name in LIBRARIES:
        try:
            if importlib.util.find_spec(name) is not None:
                libs[name] = version_of(name)
        except Exception:
            pass
    libs["http.server"] = "stdlib %s" % sys.version.split()[0]  # the standard library's own
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    print(json.dumps({"version": sys.version.split()[0], "major": sys.version_info[0], "minor": sys.version_info[1],
                      "implementation": sys.implementation.name, "gil": gil, "libraries": libs}))


if __name__ == "__main__":
    main()
