#!/usr/bin/env bash
# The Python server stacks run by hand, outside conlab, with the same app
# (scripts/stack_apps.py: the driver's own serve-http answer), each on a loopback port,
# loaded at each connection count: BENCHMARKS.md "Python server stacks" sets these
# figures beside conlab's. Every server is stopped by its pid; every load is bounded.
#   scripts/stacks-by-hand.sh [CONNECTIONS...]     (default: 64 1000)
# TOOLS (default "wrk") picks the load generators, each against a freshly started server:
#   wrk       wrk as installed. Its percentiles are corrected for coordinated omission:
#             for every answer slower than twice the mean interval between one
#             connection's requests, wrk adds made-up samples at that latency minus one,
#             two, ... intervals (wrk.c, stats_correct).
#   wrk-raw   $WRK_RAW, a wrk built with that correction skipped when
#             WRK_NO_CORRECTION is set: the same client, the latencies it measured.
#   oha       oha: raw latencies; requests still unanswered at the deadline dropped, as
#             wrk drops them.
#   oha-wait  oha --wait-ongoing-requests-after-deadline: those requests counted when
#             they end, as conlab's generator counts them.
set -uo pipefail
cd "$(dirname "$0")/.."
export CONLAB_LATENCY_MS=${CONLAB_LATENCY_MS:-10} CONLAB_BYTES=${CONLAB_BYTES:-128}
DURATION=${DURATION:-5s}
read -ra tools <<<"${TOOLS:-wrk}"
conns=("$@"); [ ${#conns[@]} -eq 0 ] && conns=(64 1000)
port=18100
stacks=(
  "py-thread+http.server|python3 scripts/stack_apps.py http.server PORT"
  "py-asyncio+aiohttp|python3 scripts/stack_apps.py aiohttp PORT"
  "py-asyncio+uvicorn|uvicorn --app-dir scripts stack_apps:asgi --host 127.0.0.1 --port PORT --log-level warning --no-access-log"
  "py-pool+gunicorn:size=16|gunicorn --chdir scripts -k gthread --threads 16 -b 127.0.0.1:PORT --log-level warning stack_apps:wsgi"
  "py-process+gunicorn:workers=2|gunicorn --chdir scripts -w 2 -b 127.0.0.1:PORT --log-level warning stack_apps:wsgi"
  "py-gevent+gunicorn|gunicorn --chdir scripts -k gevent -b 127.0.0.1:PORT --log-level warning stack_apps:wsgi"
)
for tool in "${tools[@]}"; do
  case $tool in
    wrk | oha | oha-wait) command -v "${tool%-wait}" >/dev/null || { echo "$tool: not installed" >&2; exit 2; } ;;
    wrk-raw) [ -x "${WRK_RAW:-}" ] || { echo "wrk-raw: set WRK_RAW to a wrk built as described above" >&2; exit 2; } ;;
    *) echo "unknown tool '$tool' (wrk, wrk-raw, oha, oha-wait)" >&2; exit 2 ;;
  esac
done

# One load: prints "REQ/S P99_MS NOTES" for TOOL at C connections against URL.
load() {
  local tool=$1 c=$2 url=$3 out
  case $tool in
    wrk | wrk-raw)
      local bin=wrk; [ "$tool" = wrk-raw ] && bin=$WRK_RAW
      # --timeout 30s: wrk's default (2 s) drops slower answers from its latencies
      out=$(if [ "$tool" = wrk-raw ]; then export WRK_NO_CORRECTION=1; fi
            timeout 60 "$bin" -t2 -c"$c" -d"$DURATION" --timeout 30s --latency "$url" 2>&1)
      awk '/^Requests\/sec/ {rps = $2}
           $1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
                        p99 = v * (u == "s" ? 1000 : u == "us" ? 0.001 : u == "m" ? 60000 : 1)}
           /Socket errors|Non-2xx/ {gsub(/^ +/, ""); notes = notes $0 "; "}
           END {printf "%s %.1f %s\n", rps, p99, notes}' <<<"$out" ;;
    oha | oha-wait)
      local wait=(); [ "$tool" = oha-wait ] && wait=(--wait-ongoing-requests-after-deadline)
      out=$(timeout 90 oha -z "$DURATION" -c "$c" "${wait[@]}" --no-tui --output-format json "$url" 2>&1)
      python3 -c '
import json, sys
d = json.loads(sys.argv[1])
errors = sum(d.get("errorDistribution", {}).values())
print("%.0f %.1f %s" % (d["summary"]["requestsPerSec"], d["latencyPercentiles"]["p99"] * 1000,
                        "errors %d" % errors if errors else ""))' "$out" 2>/dev/null || echo "- - oha output unreadable" ;;
  esac
}

printf "%-32s %6s %-9s %10s %10s  %s\n" stack conns tool "req/s" "p99 ms" command
for entry in "${stacks[@]}"; do
  name=${entry%%|*}; template=${entry#*|}
  for c in "${conns[@]}"; do
    for tool in "${tools[@]}"; do
      port=$((port + 1)); cmd=${template//PORT/$port}
      $cmd >/tmp/stacks-by-hand.$port.log 2>&1 &
      pid=$!
      for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
      done
      read -r rps p99 notes <<<"$(load "$tool" "$c" "http://127.0.0.1:$port/")"
      kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
      printf "%-32s %6s %-9s %10s %10s  %s %s\n" "$name" "$c" "$tool" "$rps" "$p99" "$cmd" "$notes"
    done
  done
done
