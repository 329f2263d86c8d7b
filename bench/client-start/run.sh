#!/usr/bin/env bash
# bench/client-start/run.sh [--services N] [--runs R] PPM [PPM...]
#
# Client start-up (issue #23 item 4): one daemon (run by the last PPM given,
# with a throw-away home) supervises N services (default 1000, `sleep`), and
# each PPM binary runs the common client commands R times (default 50) under
# `perf stat`. Prints one markdown row per binary and command: task-clock (the
# CPU the client used) and wall time, means. A service `idle` is stopped, so
# `start s1` and `stop idle` answer at once ("already running", "already
# stopped"). With no PPM, builds as bench/run does (.build-bench) and measures that.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/../.." && pwd)"
services=1000 runs=50
while [ $# -gt 0 ]; do
  case "$1" in
    --services) services="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  (cd "$REPO" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --product ppm-lua 2>&1 | tail -n 2) >&2
  (cd "$REPO" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --product ppm-lua-full 2>&1 | tail -n 2) >&2
  set -- "$(cd "$REPO" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --show-bin-path)/ppm-lua"
fi
command -v perf >/dev/null || { echo "perf is needed (linux-perf)" >&2; exit 1; }
daemon="${*: -1}"
export PPM_LUA_HOME="$(mktemp -d /tmp/ppm-lua-client-start.XXXXXX)"
trap '"$daemon" quit >/dev/null 2>&1 || true; rm -rf "$PPM_LUA_HOME"' EXIT
cat >"$PPM_LUA_HOME/ppm.lua" <<LUA
for i = 1, $services do ppm.service { name = "s" .. i, cmd = "sleep 1000000" } end
ppm.service { name = "idle", cmd = "sleep 1000000", autostart = false }
LUA
"$daemon" daemon -c "$PPM_LUA_HOME/ppm.lua" --detach >/dev/null
until "$daemon" ls --json 2>/dev/null | grep -o '"state":"running"' | wc -l | grep -qx "$services"; do sleep 0.2; done
echo "| binary | command | task-clock | wall |"
echo "| --- | --- | --- | --- |"
for ppm in "$@"; do
  for words in "status" "ls" "events -n 5" "logs -n 3 s1" "start s1" "stop idle"; do
    # shellcheck disable=SC2086
    stats="$(perf stat -r "$runs" "$ppm" $words 2>&1 >/dev/null)"
    cpu="$(awk '/task-clock/ { print $1; exit }' <<<"$stats")"
    wall="$(awk '/seconds time elapsed/ { printf "%.2f", $1 * 1000; exit }' <<<"$stats")"
    echo "| $ppm | \`$words\` | $cpu ms | $wall ms |"
  done
done
