#!/usr/bin/env bash
# bench/client-start/front-prototype.sh FULL [DIR]
#
# Builds the lean-front prototype (front/Front.swift with PPMMachine's JSON reader, #23
# item 4) twice: DIR/pie/ppm-lua (position-independent, Swift runtime linked in) and
# DIR/static/ppm-lua (a static executable), each with ppm-lua-full beside it, a link to
# FULL (a release ppm-lua). Then measure them with the full program last:
#   bench/client-start/run.sh DIR/pie/ppm-lua DIR/static/ppm-lua FULL
# Only `status` is the front's own; every other command is the front's exec plus FULL.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/../.." && pwd)"
full="$(realpath "$1")"
dir="${2:-$(mktemp -d /tmp/ppm-lua-front.XXXXXX)}"
json=("$REPO"/Sources/PPMMachine/JSON/JSON{Reader,Value,Writer}.swift)
for kind in pie static; do
  mkdir -p "$dir/$kind"
  link=(-static-stdlib)
  if [ "$kind" = static ]; then link=(-static-executable); fi
  swiftc -O -package-name ppm_lua -parse-as-library "${link[@]}" "$BENCH/front/Front.swift" "${json[@]}" \
    -o "$dir/$kind/ppm-lua" 2>&1 | { grep -v warning || true; }
  ln -sf "$full" "$dir/$kind/ppm-lua-full"
done
echo "$dir/pie/ppm-lua $dir/static/ppm-lua"
