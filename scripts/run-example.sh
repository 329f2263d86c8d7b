#!/usr/bin/env bash
# Builds ppm-lua and runs the supervisor on the bundled demo config
# (scripts/examples/demo.lua) with a throw-away home: shows the services,
# lets them run for a few seconds, prints the event journal, then quits.
# Pass --foreground to keep the daemon in the foreground instead (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build
bin="$(swift build --show-bin-path)/ppm-lua"
example=scripts/examples/demo.lua

"$bin" --version
"$bin" check "$example"

export PPM_LUA_HOME="${PPM_LUA_HOME:-$(mktemp -d /tmp/ppm-lua-demo.XXXXXX)}"
echo "home: $PPM_LUA_HOME"
if [ "${1:-}" = "--foreground" ]; then
  exec "$bin" daemon -c "$example"
fi

"$bin" daemon -c "$example" --detach
trap '"$bin" quit >/dev/null 2>&1 || true' EXIT
sleep 4
"$bin" ls
echo
"$bin" events -n 15
echo
"$bin" quit
trap - EXIT
echo "daemon stopped; its log is $PPM_LUA_HOME/daemon.log"
