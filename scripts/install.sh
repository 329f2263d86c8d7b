#!/usr/bin/env bash
# Builds ppm-lua for deployment and installs it under a prefix:
#   PREFIX/bin/ppm-lua                     the binary (Swift runtime linked in)
#   PREFIX/bin/ppm-lua-import              what `ppm-lua import` runs
#   PREFIX/bin/ppm-lua-fdholder            keeps the output pipes open across a killed daemon
#   PREFIX/share/ppm-lua/plugins/*.lua     the bundled plugins, found by require with no setup
#   PREFIX/share/ppm-lua/plugins/types/    type stubs for editors (lua-language-server)
#   PREFIX/share/ppm-lua/examples/*.lua    the example configs
# Usage: scripts/install.sh [PREFIX]       PREFIX defaults to $PREFIX, else /usr/local.
# DESTDIR=/tmp/stage scripts/install.sh /usr  stages the files for a package.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-${PREFIX:-/usr/local}}"
dest="${DESTDIR:-}$prefix"
bash scripts/ensure-deps.sh
swift build -c release --static-swift-stdlib
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
install -d "$dest/bin" "$dest/share/ppm-lua/plugins" "$dest/share/ppm-lua/examples"
install -m 0755 "$bin/ppm-lua" "$dest/bin/ppm-lua"
install -m 0755 "$bin/ppm-lua-import" "$dest/bin/ppm-lua-import"
install -m 0755 "$bin/ppm-lua-fdholder" "$dest/bin/ppm-lua-fdholder"
install -m 0644 plugins/*.lua "$dest/share/ppm-lua/plugins/"
if [ -d plugins/types ]; then
  install -d "$dest/share/ppm-lua/plugins/types"
  install -m 0644 plugins/types/* "$dest/share/ppm-lua/plugins/types/"
fi
install -m 0644 scripts/examples/*.lua "$dest/share/ppm-lua/examples/"
echo "installed $dest/bin/ppm-lua and its plugins in $dest/share/ppm-lua/plugins"
