#!/usr/bin/env bash
# Check the wheel the way a Python user meets it: build it (scripts/wheel.sh) unless
# dist/ already holds one and --no-build is given, install it into a fresh venv, and run
# `conlab --version` and a small sweep from the venv's bin/ with Rust and Python models.
# Not part of `cargo test`: a wheel build is a second release build (minutes on two
# cores), and pip may want the network.
#
#   scripts/wheel-check.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--no-build" ]]; then
  scripts/wheel.sh
fi
wheel=$(ls dist/conlab-*.whl | head -n 1)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conlab-wheel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
# The venv is not activated: conlab must work by its path alone, as from any PATH.
conlab="$tmp/venv/bin/conlab"
"$conlab" --version
test -x "$tmp/venv/bin/conlab-cell" || { echo "wheel-check: no conlab-cell beside conlab" >&2; exit 1; }

# Rust models run in conlab-cell, py-asyncio under the venv's python3 with the embedded
# driver. --quick would run the whole default sweep (minutes); this takes seconds.
PATH="$tmp/venv/bin:$PATH" "$conlab" bench --quiet --out "$tmp/run" \
  --workload sleep:50ms --models rs-thread,rs-async,rs-process,py-thread,py-asyncio --tasks 1,10 --repeat 1
python3 - "$tmp/run/results.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
cells = [c for c in doc["cells"] if not c["baseline"]]
bad = [(c["model"], c["tasks"], c["status"]) for c in cells if c["status"] != "ok"]
models = sorted({c["model"] for c in cells})
assert len(cells) == 10 and not bad, (len(cells), bad)
print(f"wheel-check: {len(cells)} cells ok ({', '.join(models)})")
PY
echo "wheel-check: ok ($wheel)"
