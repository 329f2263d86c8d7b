#!/usr/bin/env bash
# Builds ppm-lua for deployment and installs it under a prefix:
#   PREFIX/bin/ppm-lua                     the front: answers the common client commands, runs ppm-lua-full for the rest
#   PREFIX/bin/ppm-lua-full                the daemon and the whole client (Swift runtime linked in)
#   PREFIX/bin/ppm-lua-import              what `ppm-lua import` runs
#   PREFIX/bin/ppm-lua-fdholder            keeps the output pipes open across a killed daemon
#   PREFIX/share/ppm-lua/plugins/*.lua     the bundled plugins, found by require with no setup
#   PREFIX/share/ppm-lua/plugins/types/    type stubs for editors (lua-language-server)
#   PREFIX/share/ppm-lua/examples/         the example configs and what they use (pmon3/*.sh hook
#                                          scripts, the systemd unit, the Dockerfile, the pod)
# Usage: scripts/install.sh [PREFIX]       PREFIX defaults to $PREFIX, else /usr/local.
# DESTDIR=/tmp/stage scripts/install.sh /usr  stages the files for a package.
# PPM_LUA_BIN_DIR=.build/debug scripts/install.sh  installs binaries built already (no build).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-${PREFIX:-/usr/local}}"
dest="${DESTDIR:-}$prefix"
if [ -n "${PPM_LUA_BIN_DIR:-}" ]; then
  bin="$PPM_LUA_BIN_DIR"
else
  bash scripts/ensure-deps.sh
  swift build -c release --static-swift-stdlib
  bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
fi
install -d "$dest/bin" "$dest/share/ppm-lua/plugins" "$dest/share/ppm-lua/examples"
install -m 0755 "$bin/ppm-lua" "$dest/bin/ppm-lua"
install -m 0755 "$bin/ppm-lua-full" "$dest/bin/ppm-lua-full"
install -m 0755 "$bin/ppm-lua-import" "$dest/bin/ppm-lua-import"
install -m 0755 "$bin/ppm-lua-fdholder" "$dest/bin/ppm-lua-fdholder"
install -m 0644 plugins/*.lua "$dest/share/ppm-lua/plugins/"
if [ -d plugins/types ]; then
  install -d "$dest/share/ppm-lua/plugins/types"
  install -m 0644 plugins/types/* "$dest/share/ppm-lua/plugins/types/"
fi
# The examples with their folders; scripts keep their execute bit (the pmon3 hooks run them).
(cd scripts/examples && find . -type f) | while read -r file; do
  mode=0644
  if [ -x "scripts/examples/$file" ]; then mode=0755; fi
  install -D -m "$mode" "scripts/examples/$file" "$dest/share/ppm-lua/examples/$file"
done
echo "installed $dest/bin/ppm-lua and its plugins in $dest/share/ppm-lua/plugins"
