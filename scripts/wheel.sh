#!/usr/bin/env bash
# Build the `pip install conlab` wheel into dist/: a maturin `bin` wheel carrying
# `conlab` and `conlab-cell` (see pyproject.toml). Installs maturin with pip when it is
# missing. Extra arguments go to `maturin build`. The wheel's platform tag follows this
# machine's glibc (manylinux_2_34 on a recent distribution); a wheel for PyPI that installs
# on older systems is built in a manylinux container or with `--zig --compatibility
# manylinux2014`.
#
#   scripts/wheel.sh && pip install dist/conlab-*.whl
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m maturin --version >/dev/null 2>&1; then
  echo "wheel: installing maturin with pip" >&2
  python3 -m pip install --quiet --disable-pip-version-check maturin
fi
rm -f dist/conlab-*.whl
python3 -m maturin build --release --locked --out dist "$@"
ls dist/conlab-*.whl
