#!/usr/bin/env bash
# Regenerate the README's sample output and docs/report.png from one real run of the
# main job (`conlab bench` on its embedded defaults, under a minute).
#
#   scripts/readme-sample.sh [RESULTS_DIR]
#
# With RESULTS_DIR (an earlier default sweep's --out), no sweep runs: its results are
# rendered instead. The table is `conlab report` at 100 columns, as a piped terminal
# shows it; the screenshot needs chromium (see scripts/report-screenshot.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
if [[ $# -ge 1 ]]; then
    run=$1
    seconds=""
else
    run=$(mktemp -d)/run
    start=$(date +%s)
    ./target/release/conlab bench --out "$run" >/dev/null
    seconds=$(( $(date +%s) - start ))
fi
table=$(COLUMNS=100 NO_COLOR=1 ./target/release/conlab report "$run/results.json" --format terminal)
python3 - "$run/results.json" "$seconds" "$table" <<'PY'
import json, re, sys
results_file, seconds, table = sys.argv[1], sys.argv[2], sys.argv[3]
results = json.load(open(results_file))
env = results["environment"]
py = (env.get("python") or [{}])[0].get("version", "")
took = ""
if seconds:
    m, s = divmod(int(seconds), 60)
    took = ", %d minutes %d seconds" % (m, s) if m else ", %d seconds" % s
day = results.get("started_at", "")[:10]
head = ("`./target/release/conlab bench` on a %d-core, %.0f GiB Linux machine (%s, CPython %s)%s "
        "(every cell three times, interleaved; %s):" % (
            env["cores"], env["memory_bytes"] / 2**30, env.get("rustc_version", "rustc").split(" (")[0],
            py, took, day))
block = "<!-- sample: begin -->\n%s\n\n```\n%s\n```\n<!-- sample: end -->" % (head, table.strip("\n"))
readme = open("README.md").read()
new, n = re.subn(r"<!-- sample: begin -->.*?<!-- sample: end -->", lambda _: block, readme, flags=re.S)
if n != 1:
    sys.exit("README.md has no <!-- sample: begin/end --> section")
open("README.md", "w").write(new)
PY
scripts/report-screenshot.sh "$run/results.json" docs/report.png
echo "README.md sample and docs/report.png regenerated from $run"
