"""`python3 -m conlab_driver`, or the cache directory run as a script (conlab writes this
file beside the package too): one cell, spec on stdin, report line on stdout."""

import sys

from conlab_driver.main import main

if __name__ == "__main__":
    sys.exit(main())
