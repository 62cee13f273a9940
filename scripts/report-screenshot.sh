#!/usr/bin/env bash
# Render a conlab HTML report in headless Chromium at one or more screen widths, check
# that a person can read it there and that it does not mislead, and save a screenshot.
#
#   scripts/report-screenshot.sh RESULTS_FILE [OUT.png] [--width PX[,PX...]] [--height PX] [--dark]
#   scripts/report-screenshot.sh --self-test
#
# RESULTS_FILE is a results.json or results.jsonl (or a page already rendered, FILE.html:
# `conlab answer --format html -o FILE.html`); OUT.png defaults to docs/report.png;
# the width to 1400 (`--width 1400,400` for a laptop and a phone: then each screenshot is
# OUT-WIDTH.png); --dark renders with prefers-color-scheme: dark. The conlab binary is
# $CONLAB, else target/release/conlab, else target/debug/conlab.
# Needs Debian's chromium (apt-get install chromium). Exits non-zero when, at a width:
#   - a chart is missing (of a report; a page given as FILE.html may have none) or has no
#     points,
#   - a chart draws a data point for a cell that gave no value (failed or not run), or
#     puts a "no result" mark inside a line chart's plot instead of its lane above it,
#   - a workload measured at one task count is not a dot plot,
#   - two labels of a chart overlap (direct labels, values, tick labels: their boxes as
#     the browser laid them out),
#   - any chart text is drawn smaller than 12 px on screen (the SVG's font size times
#     its scale, rendered width over viewBox width),
#   - the page itself scrolls sideways (tables may, inside their own box),
#   - or the screenshot is blank.
# It prints what it measured, and every "not run" / "failed" line with its reason.
# --self-test checks the checks: the page in tests/fixtures/screenshot/, whose two direct
# labels are drawn on top of each other, must be refused for overlapping labels.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/report-screenshot.sh RESULTS_FILE [OUT.png] [--width PX[,PX...]] [--height PX] [--dark] | --self-test"
width=1400
height=""
dark=0
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --width) width=${2:?$usage}; shift 2 ;;
    --height) height=${2:?$usage}; shift 2 ;;
    --dark) dark=1; shift ;;
    -h|--help) echo "$usage"; exit 0 ;;
    --self-test)
      fixture=tests/fixtures/screenshot/overlapping-labels.html
      if log=$("$0" "$fixture" "$(mktemp -d)/never.png" 2>&1); then
        echo "self-test failed: $fixture (two labels on top of each other) was accepted:" >&2
        echo "$log" >&2
        exit 1
      fi
      if ! grep -q "^overlapping labels: chart 0: rs-thread / rs-async" <<< "$log"; then
        echo "self-test failed: $fixture was refused, but not for its overlapping labels:" >&2
        echo "$log" >&2
        exit 1
      fi
      echo "self-test: the overlapping labels of $fixture are caught:"
      echo "$log" | sed 's/^/  /'
      exit 0 ;;
    *) positional+=("$1"); shift ;;
  esac
done
results=${positional[0]:?$usage}
out=${positional[1]:-docs/report.png}
if ! command -v chromium >/dev/null; then
  echo "chromium is not installed (apt-get install chromium): no screenshot, no checks" >&2
  exit 2
fi
conlab=${CONLAB:-}
if [ -z "$conlab" ]; then
  conlab=target/release/conlab
  [ -x "$conlab" ] || conlab=target/debug/conlab
fi
IFS=, read -r -a widths <<< "$width"
if [ "${#widths[@]}" -gt 1 ]; then
  for w in "${widths[@]}"; do
    args=("$results" "${out%.png}-$w.png" --width "$w")
    [ -n "$height" ] && args+=(--height "$height")
    [ "$dark" = 1 ] && args+=(--dark)
    CONLAB="$conlab" "$0" "${args[@]}"
  done
  exit 0
fi
height=${height:-$(( width < 800 ? 2400 : 1800 ))}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$results" in
  *.html) cp "$results" "$work/report.html" ;;
  *) "$conlab" report "$results" --format html -o "$work/report.html" ;;
esac
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/profile"
       --window-size="$(( width < 500 ? 500 : width )),$height" --virtual-time-budget=10000)
if [ "$dark" = 1 ]; then
  flags+=(--force-dark-mode --blink-settings=preferredColorScheme=0)
fi

# Headless Chromium's window is at least 500 px wide, so the page is shown in a frame of
# the width asked for. A copy of it gets a measuring script (the report itself has none)
# that posts what it measured to the frame around it, which writes it into its DOM for
# Chromium to dump.
python3 - "$work" "$width" "$height" <<'PY'
import sys
work, width, height = sys.argv[1], sys.argv[2], sys.argv[3]
page = open(f"{work}/report.html").read()
probe = """<script>
(function () {
  var out = {width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
             charts: 0, dots: 0, overtime: 0, points: [], minText: 1e9, minTick: 1e9, smallest: "",
             drawn: [], inPlot: [], overlaps: [], notDots: [], stops: []};
  var key = function (g) { return g.getAttribute("data-model") + " at " + g.getAttribute("data-tasks"); };
  document.querySelectorAll("svg.chart").forEach(function (svg, i) {
    out.charts++;
    var dots = svg.classList.contains("dots");
    if (dots) { out.dots++; }
    var points = svg.querySelectorAll("g.pt");
    // A cell-over-time chart draws lines of samples, not points of cells.
    if (svg.classList.contains("overtime")) { out.overtime++; } else { out.points.push(points.length); }
    // No data point for a cell that gave no value; a line chart's marks above its plot.
    var gaps = {};
    svg.querySelectorAll("g.nr").forEach(function (g) { gaps[key(g)] = 1; });
    points.forEach(function (g) { if (gaps[key(g)]) { out.drawn.push("chart " + i + ": " + key(g)); } });
    var frame = svg.querySelector("rect.frame");
    if (frame && !dots) {
      var top = frame.getBoundingClientRect().top;
      svg.querySelectorAll("g.nr").forEach(function (g) {
        if (g.getBoundingClientRect().bottom > top + 0.5) { out.inPlot.push("chart " + i + ": " + key(g)); }
      });
    }
    // Direct labels, a dot plot's values and the axes' tick labels never overlap, as laid out.
    var boxes = [];
    svg.querySelectorAll("text.name, text.value, text.tick").forEach(function (t) {
      boxes.push({text: t.textContent, r: t.getBoundingClientRect()});
    });
    for (var a = 0; a < boxes.length; a++) {
      for (var b = a + 1; b < boxes.length; b++) {
        var p = boxes[a].r, q = boxes[b].r;
        if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5) {
          out.overlaps.push("chart " + i + ": " + boxes[a].text + " / " + boxes[b].text);
        }
      }
    }
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    svg.querySelectorAll("text").forEach(function (t) {
      var px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < out.minText) { out.minText = px; out.smallest = "chart " + i + ": " + t.textContent; }
      if (t.classList.contains("tick")) { out.minTick = Math.min(out.minTick, px); }
    });
  });
  // A workload whose table has one row of task counts is drawn as dot plots.
  document.querySelectorAll("section.workload").forEach(function (sec, i) {
    var rows = sec.querySelectorAll(".cells tr").length - 1;
    var lines = sec.querySelectorAll("svg.chart:not(.dots):not(.overtime)").length;
    if (rows === 1 && lines > 0) { out.notDots.push("workload " + i + ": " + lines + " line charts of one task count"); }
    sec.querySelectorAll(".stops li").forEach(function (li) { out.stops.push(li.textContent); });
  });
  parent.postMessage(JSON.stringify(out), "*");
})();
</script>"""
open(f"{work}/measured.html", "w").write(page.replace("</body>", probe + "</body>"))
frame = """<!doctype html><html><head><style>html,body{margin:0;background:#777}iframe{border:0;display:block}</style></head>
<body><iframe src="%s" style="width:%spx;height:%spx"></iframe>%s</body></html>"""
listen = """<script>window.addEventListener("message", function (e) {
  var pre = document.createElement("pre"); pre.id = "conlab-measure"; pre.textContent = e.data;
  document.body.appendChild(pre); });</script>"""
open(f"{work}/measure.html", "w").write(frame % ("measured.html", width, height, listen))
open(f"{work}/show.html", "w").write(frame % ("report.html", width, height, ""))
PY
timeout 60 chromium "${flags[@]}" --dump-dom "file://$work/measure.html" 2>/dev/null > "$work/dom.html"
charts=1
case "$results" in *.html) charts=0 ;; esac
python3 - "$work/dom.html" "$width" "$charts" <<'PY'
import html, json, re, sys
dom, width, report = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3] == "1"
m = re.search(r'<pre id="conlab-measure">(.*?)</pre>', dom, re.S)
if not m:
    sys.exit("the measuring script did not run")
r = json.loads(html.unescape(m.group(1)))
problems = []
if r["charts"] == 0 and report:
    problems.append("no charts in the rendered page")
empty = [i for i, n in enumerate(r["points"]) if n == 0]
if empty:
    problems.append(f"charts without points: {empty}")
if r["charts"] and r["minText"] < 12:
    problems.append(f"chart text drawn at {r['minText']:.1f} px (< 12): {r['smallest']}")
if r["scrollWidth"] > r["width"]:
    problems.append(f"the page is {r['scrollWidth']} px wide in a {r['width']} px window")
for what, found in [("a data point for a cell that gave no value", r["drawn"]),
                    ("a 'no result' mark inside the plot", r["inPlot"]),
                    ("overlapping labels", r["overlaps"]),
                    ("not a dot plot", r["notDots"])]:
    if found:
        problems.append(f"{what}: " + "; ".join(found[:8]))
ticks = f"ticks >= {r['minTick']:.1f} px" if r["minTick"] < 1e9 else "no ticks"
print(f"at {width} px: {r['charts']} charts ({r['dots']} dot plots, {r['overtime']} over time), {sum(r['points'])} points; "
      f"chart text >= {r['minText']:.1f} px ({ticks}); page {r['scrollWidth']} px wide "
      f"in {r['width']} px; {len(r['overlaps'])} overlapping labels; {len(r['drawn'])} cells without a value drawn")
for line in r["stops"]:
    print("  " + line)
if problems:
    sys.exit("\n".join(problems))
PY

timeout 60 chromium "${flags[@]}" --screenshot="$work/shot.png" "file://$work/show.html" 2>/dev/null >/dev/null
size=$(stat -c %s "$work/shot.png")
if [ "$size" -lt 30000 ]; then
  echo "screenshot is only $size bytes: the page looks blank" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$work/shot.png" "$out"
echo "screenshot: $out ($size bytes)"
