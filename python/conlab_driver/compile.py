"""`python3 -m conlab_driver.compile`, in the directory conlab wrote the driver to: compile
every module of it into `__pycache__` for this interpreter, once, in a process of its
own. Compiling the driver's source costs a CPython process several MiB of peak memory
(its syntax trees), more than a thousand waiting asyncio tasks; done here, before the
first cell, it never shows in a cell's peak: cells run from the bytecode and write none
(PYTHONDONTWRITEBYTECODE)."""

import compileall
import os
import sys


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ok = compileall.compile_dir(root, quiet=1, force=False)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
