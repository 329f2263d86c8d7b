#!/usr/bin/env bash
# Connection churn against one daemon (issue #12): unix-socket and TCP
# clients connect, send a request and half-close, vanish before or while
# their reply is written, follow events and vanish mid-stream; `events -f`
# and `logs -f` followers are killed; a service restarts all the time. Each
# run fails if the daemon dies, a client is not answered afterwards, or a
# descriptor is left behind. Per-connection Dispatch sources made and
# cancelled at this rate are the pattern that crashed libdispatch's manager
# thread with helper pipes (scripts/repro/helper-crash.sh); connections now
# sit in one ReadinessSet per server. The test suite runs one 8 s round.
# Usage: scripts/repro/connection-churn.sh [RUNS] [SECONDS_PER_RUN]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-10}"
seconds="${2:-30}"
swift build --build-tests >/dev/null
failed=0
for i in $(seq 1 "$runs"); do
  log=$(mktemp /tmp/ppm-churn.XXXXXX)
  if PPM_CHURN_SECONDS="$seconds" swift test --skip-build --filter ConnectionChurnTests >"$log" 2>&1; then
    echo "run $i: $(grep -o 'connection churn.*' "$log")"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "run $i FAILED (log: $log):"
    grep -E '✘|churn' "$log" | head -20
  fi
done
if [ "$failed" -gt 0 ]; then
  echo "$failed of $runs runs failed"
  exit 1
fi
echo "no failure in $runs runs of $seconds s"
