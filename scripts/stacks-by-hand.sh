#!/usr/bin/env bash
# The Python server stacks run by hand, outside conlab, with the same app
# (scripts/stack_apps.py: the driver's own serve-http answer), each on a loopback port,
# loaded with wrk at each connection count: BENCHMARKS.md "Python server stacks" sets
# these figures beside conlab's. Every server is stopped by its pid; every load is bounded.
#   scripts/stacks-by-hand.sh [CONNECTIONS...]     (default: 64 1000)
set -uo pipefail
cd "$(dirname "$0")/.."
export CONLAB_LATENCY_MS=${CONLAB_LATENCY_MS:-10} CONLAB_BYTES=${CONLAB_BYTES:-128}
DURATION=${DURATION:-5s}
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
printf "%-32s %6s %10s %10s  %s\n" stack conns "req/s" p99 command
for entry in "${stacks[@]}"; do
  name=${entry%%|*}; template=${entry#*|}
  for c in "${conns[@]}"; do
    port=$((port + 1)); cmd=${template//PORT/$port}
    $cmd >/tmp/stacks-by-hand.$port.log 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/" && break
      sleep 0.1
    done
    # --timeout 30s: wrk's default (2 s) drops slower answers from its latencies
    out=$(timeout 60 wrk -t2 -c"$c" -d"$DURATION" --timeout 30s --latency "http://127.0.0.1:$port/" 2>&1)
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errs=$(grep -E "Socket errors|Non-2xx" <<<"$out" | tr -s ' ' | tr '\n' ';')
    printf "%-32s %6s %10s %10s  %s %s\n" "$name" "$c" "$rps" "$p99" "$cmd" "$errs"
  done
done
