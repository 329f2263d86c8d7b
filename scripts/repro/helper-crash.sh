#!/usr/bin/env bash
# Reproduces the intermittent daemon crash open in issue #12: a service that
# restarts all the time with exec_hooks running a ppm.spawn helper at each
# start. The daemon dies of SIGSEGV in libdispatch's manager thread
# (_dispatch_event_loop_drain, "bad pointer dereference") within a few runs.
# Without the helpers (no exec_hooks) 25 runs passed; without the fd holder it
# still crashes. Usage: scripts/repro/helper-crash.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build >/dev/null
bin="$(swift build --show-bin-path)/ppm-lua"
for i in $(seq 1 "${1:-20}"); do
  d=$(mktemp -d /tmp/ppm-crash.XXXXXX)
  printf '#!/bin/sh\nexit 0\n' > "$d/hook.sh"; chmod +x "$d/hook.sh"
  cat > "$d/ppm.lua" <<LUA
require("exec_hooks") { on_restart = "$d/hook.sh", on_failure = "$d/hook.sh" }
ppm.service { name = "gin", cmd = { "/bin/sh", "-c", "sleep 0.3; exit 1" }, restart = "always" }
LUA
  PPM_LUA_HOME="$d/home" "$bin" daemon -c "$d/ppm.lua" > "$d/log" 2>&1 &
  pid=$!
  sleep 5
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || echo "run $i: the daemon died with status $? (log: $d/log)"
    exit 1
  fi
  PPM_LUA_HOME="$d/home" "$bin" quit >/dev/null 2>&1 || true
  wait "$pid" || true
done
echo "no crash in ${1:-20} runs"
