#!/usr/bin/env bash
# Render a conlab HTML report in headless Chromium, check that every chart came out with
# its points, and save a screenshot.
#
#   scripts/report-screenshot.sh RESULTS_FILE [OUT.png]
#
# RESULTS_FILE is a results.json or results.jsonl; OUT.png defaults to docs/report.png.
# Needs Debian's chromium (apt-get install chromium). Exits non-zero if a chart is
# missing or empty, or the screenshot is blank.
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:?usage: scripts/report-screenshot.sh RESULTS_FILE [OUT.png]}
out=${2:-docs/report.png}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

./target/release/conlab report "$results" --format html -o "$work/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile")

# The DOM as Chromium built it: count the charts and the points inside each.
timeout 60 chromium "${flags[@]}" --dump-dom "file://$work/report.html" 2>/dev/null > "$work/dom.html"
python3 - "$work/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
charts = re.findall(r'<svg class="chart".*?</svg>', dom, re.S)
if not charts:
    sys.exit("no charts in the rendered page")
empty = [i for i, c in enumerate(charts) if "<circle" not in c]
if empty:
    sys.exit(f"charts without points: {empty}")
print(f"{len(charts)} charts rendered, {sum(c.count('<circle') for c in charts)} points")
PY

timeout 60 chromium "${flags[@]}" --window-size=1100,1800 --screenshot="$work/shot.png" "file://$work/report.html" 2>/dev/null >/dev/null
size=$(stat -c %s "$work/shot.png")
if [ "$size" -lt 50000 ]; then
  echo "screenshot is only $size bytes: the page looks blank" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$work/shot.png" "$out"
echo "screenshot: $out ($size bytes)"
